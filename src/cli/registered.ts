/** The chats registered at runtime, read from the database for the CLI (nothing when there is no database yet). */
import { existsSync } from 'node:fs';
import type { Config } from '../config/normalise.js';
import { applyRegisteredGroups, type RegistrationConflict } from '../config/registered-groups.js';
import { openStore } from '../store/index.js';
import type { RegisteredGroup } from '../store/registered-groups.js';
import type { CliContext } from './context.js';

export function readRegisteredGroups(context: CliContext): RegisteredGroup[] {
  if (!existsSync(context.paths.database)) return [];
  const store = openStore(context.paths.database);
  try {
    return store.groups.list();
  } finally {
    store.close();
  }
}

/** Adds the registered chats to `config` as the daemon does; returns them and the YAML conflicts. */
export function withRegisteredGroups(
  context: CliContext,
  config: Config,
): { groups: RegisteredGroup[]; added: Set<string>; conflicts: RegistrationConflict[] } {
  const groups = readRegisteredGroups(context);
  const { added, conflicts } = applyRegisteredGroups(config, groups);
  return { groups, added: new Set(added), conflicts };
}
