/** The `omniclaw` command line. Each command lives in its own file (the table in commands.ts). */
import { Command } from 'commander';
import { registerCommands } from './commands.js';

const program = new Command();
program
  .name('omniclaw')
  .description('OmniClaw: your chat apps, connected to AI agents in sandboxes')
  .version('0.1.0')
  .showHelpAfterError();

// Only the command being run is loaded (the first argument that is not an option).
const name = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
registerCommands(program, name)
  .then(() => program.parseAsync(process.argv))
  .catch((err: Error) => {
    process.stderr.write(`omniclaw: ${err.message}\n`);
    process.exit(1);
  });
