/** The `omniclaw` command line. Each command lives in its own file. */
import { Command } from 'commander';
import { registerStart } from './start.js';
import { registerChat } from './chat.js';
import { registerStatus } from './status.js';
import { registerDoctor } from './doctor.js';
import { registerMigrate } from './migrate.js';
import { registerAgents } from './agents.js';
import { registerLogs } from './logs.js';
import { registerImage } from './image.js';
import { registerChannelsCommand } from './channels.js';
import { registerOutbox } from './outbox.js';
import { registerTasks } from './tasks.js';
import { registerBackup } from './backup.js';
import { registerService } from './service.js';
import { registerConfigCommand } from './config-export.js';
import { registerNode } from './node.js';
import { registerMachines } from './machines.js';
import { registerSetup } from './setup.js';
import { instancePaths, resolveHome } from '../config/paths.js';
import { createLogger } from '../observability/logger.js';

const program = new Command();
program
  .name('omniclaw')
  .description('OmniClaw: your chat apps, connected to AI agents in sandboxes')
  .version('0.1.0')
  .showHelpAfterError();

registerStart(program);
registerChat(program);
registerStatus(program);
registerDoctor(program);
registerMigrate(program);
registerAgents(program);
registerLogs(program);
registerImage(program);
registerOutbox(program);
registerTasks(program);
registerBackup(program);
registerService(program);
registerConfigCommand(program);
registerNode(program);
registerMachines(program);
registerSetup(program, { paths: instancePaths(resolveHome()), logger: createLogger({ level: 'warn' }) });
registerChannelsCommand(program, {
  paths: instancePaths(resolveHome()),
  logger: createLogger({ level: 'warn' }),
});

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`omniclaw: ${err.message}\n`);
  process.exit(1);
});
