/**
 * The `omniclaw` commands by name, each module loaded only when its command runs: the
 * daemon (`start`) then does not hold the other commands' libraries (plist, tar, the setup
 * prompts) for its whole life (docs/performance.md). Help and unknown names load them all.
 */
import type { Command } from 'commander';
import { instancePaths, resolveHome } from '../config/paths.js';
import { createLogger } from '../observability/logger.js';

type Register = (program: Command) => void;

const quietDeps = () => ({ paths: instancePaths(resolveHome()), logger: createLogger({ level: 'warn' }) });
const backup = async (): Promise<Register> => (await import('./backup.js')).registerBackup;

/** Top-level command name → its module's register function (one module may hold two names). */
export const COMMANDS: Record<string, () => Promise<Register>> = {
  start: async () => (await import('./start.js')).registerStart,
  chat: async () => (await import('./chat.js')).registerChat,
  status: async () => (await import('./status.js')).registerStatus,
  doctor: async () => (await import('./doctor.js')).registerDoctor,
  migrate: async () => (await import('./migrate.js')).registerMigrate,
  agents: async () => (await import('./agents.js')).registerAgents,
  logs: async () => (await import('./logs.js')).registerLogs,
  image: async () => (await import('./image.js')).registerImage,
  outbox: async () => (await import('./outbox.js')).registerOutbox,
  tasks: async () => (await import('./tasks.js')).registerTasks,
  backup,
  restore: backup,
  service: async () => (await import('./service.js')).registerService,
  config: async () => (await import('./config-export.js')).registerConfigCommand,
  node: async () => (await import('./node.js')).registerNode,
  machines: async () => (await import('./machines.js')).registerMachines,
  setup: async () => {
    const { registerSetup } = await import('./setup.js');
    return (program) => registerSetup(program, quietDeps());
  },
  channels: async () => {
    const { registerChannelsCommand } = await import('./channels.js');
    return (program) => registerChannelsCommand(program, quietDeps());
  },
};

/** Registers the command `name` names, or every command (for help, or a name that is not one). */
export async function registerCommands(program: Command, name: string | undefined): Promise<void> {
  const wanted =
    name !== undefined && Object.hasOwn(COMMANDS, name) ? [COMMANDS[name]!] : Object.values(COMMANDS);
  for (const register of new Set(await Promise.all(wanted.map((load) => load())))) register(program);
}
