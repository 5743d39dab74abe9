/**
 * register_group on the host: adds a chat route at runtime, to an existing agent or to a
 * new one (its folder and a CLAUDE.md from a template), stored in the database so it
 * survives a restart, and live at once (the routing table holds the config's arrays).
 * omniclaw.yaml wins: a chat it routes cannot be registered, and at start a registered
 * chat the YAML has taken since is left out and reported (see config/registered-groups.ts).
 */
import { closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/normalise.js';
import { agentFolder, type InstancePaths } from '../config/paths.js';
import {
  applyRegisteredGroups,
  type GroupRegistration,
  type RegistrationConflict,
} from '../config/registered-groups.js';
import type { Store } from '../store/index.js';

export class RegistrationError extends Error {}

export interface GroupRegistryDeps {
  config: Config;
  paths: InstancePaths;
  store: Store;
  channelOf: (chat: string) => string | undefined;
  logger: Logger;
}

export function claudeMdTemplate(group: { name: string; chat: string; description?: string }): string {
  return [
    `# ${group.name}`,
    '',
    `You are ${group.name}, an OmniClaw agent answering in ${group.chat}.`,
    ...(group.description ? ['', group.description] : []),
    '',
    '## Memory',
    '',
    'Write here what you should remember between conversations.',
    '',
  ].join('\n');
}

/** Writes a new file, never through a symlink and never over an existing file (a kept CLAUDE.md stays). */
function createFileOnce(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o644,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

export class GroupRegistry {
  constructor(private readonly deps: GroupRegistryDeps) {}

  /** Folds the stored registrations into the config at start; YAML conflicts are logged and returned. */
  load(): { added: string[]; conflicts: RegistrationConflict[] } {
    const result = applyRegisteredGroups(this.deps.config, this.deps.store.groups.list());
    for (const c of result.conflicts)
      this.deps.logger.warn(
        { chat: c.chat, registered: c.registeredAgent, yaml: c.yamlAgent },
        'a chat registered at runtime is also routed in omniclaw.yaml; the YAML route wins (remove the registration, or the YAML route)',
      );
    return result;
  }

  register(group: GroupRegistration & { agentName: string }, by: string): { createdAgent: boolean } {
    const { config } = this.deps;
    const routed = config.routes.find((r) => r.chat === group.chat);
    if (routed) {
      const where = this.deps.store.groups.list().some((g) => g.chat === group.chat)
        ? 'registered earlier'
        : 'routed in omniclaw.yaml';
      throw new RegistrationError(`chat ${group.chat} is already ${where} (to agent "${routed.agent}")`);
    }
    if (this.deps.channelOf(group.chat) === undefined)
      throw new RegistrationError(`no connected channel serves chat ${group.chat}; check the chat id`);
    const existing = config.agents.find((a) => a.id === group.agent);
    const row = { ...group, agentName: existing ? undefined : group.agentName, createdBy: by };
    if (!existing) {
      const folder = agentFolder(this.deps.paths, group.agent);
      mkdirSync(folder, { recursive: true, mode: 0o755 });
      createFileOnce(join(folder, 'CLAUDE.md'), claudeMdTemplate({ ...group, name: group.agentName }));
    }
    if (!this.deps.store.groups.add(row))
      throw new RegistrationError(`chat ${group.chat} is already registered`);
    applyRegisteredGroups(config, [row]);
    this.deps.logger.info(
      { chat: group.chat, agent: group.agent, by, created: !existing },
      'chat registered',
    );
    return { createdAgent: !existing };
  }
}
