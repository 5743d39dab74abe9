import type { Migration } from '../migration.js';
import { initial } from './001_initial.js';
import { reliability } from './002_reliability.js';
import { tasks } from './003_tasks.js';
import { taskLeases } from './004_task_leases.js';
import { registeredGroups } from './005_registered_groups.js';
import { outboxEdit } from './006_outbox_edit.js';
import { multiAgent } from './007_multi_agent.js';

/** Every migration, in version order. Add new ones at the end; never edit an applied one. */
export const migrations: readonly Migration[] = [
  initial,
  reliability,
  tasks,
  taskLeases,
  registeredGroups,
  outboxEdit,
  multiAgent,
];
