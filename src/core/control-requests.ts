/**
 * The daemon's answers on the control socket that belong to the core: `omniclaw status`
 * (the status report, plus what other parts add, e.g. the scheduler's tasks) and
 * `omniclaw outbox retry` (failed rows were put back: send them now).
 */
import type { ControlSocket } from '../transport/control-socket.js';
import type { DatabaseHealthState } from '../store/db-health.js';
import type { Outbox } from './outbox.js';
import { buildStatus, type StatusSources } from './status.js';

export interface ControlRequestSources extends Omit<StatusSources, 'database' | 'channelStates'> {
  database: { state(): DatabaseHealthState };
  channels: { states(): ReturnType<StatusSources['channelStates']> };
  outbox: Pick<Outbox, 'kick'>;
  /** More sections of the status report (the scheduler's `tasks`). */
  extraStatus?: () => Record<string, unknown>;
}

function statusSources(sources: ControlRequestSources): StatusSources {
  return {
    ...sources,
    channelStates: () => sources.channels.states(),
    database: () => sources.database.state(),
  };
}

export function serveControlRequests(control: ControlSocket, sources: ControlRequestSources): void {
  control.handle('status', (_m, client) =>
    client.send({
      type: 'status',
      status: { ...buildStatus(statusSources(sources)), ...sources.extraStatus?.() },
    }),
  );
  control.handle('outbox-kick', (_m, client) => {
    sources.outbox.kick();
    client.send({ type: 'outbox-kick' });
  });
}
