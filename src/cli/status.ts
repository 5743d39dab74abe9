/** `omniclaw status [--json]`: what the daemon is doing, or that it is not running. */
import type { Command } from 'commander';
import type { StatusReport } from '../core/status.js';
import { DaemonNotRunning, request } from './control-client.js';
import { cliContext, fail } from './context.js';
import {
  delegationStatusLines,
  shareStatusLines,
  type DelegationStatus,
  type ShareStatus,
} from './delegation-status.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show whether OmniClaw runs, its channels, agents, queue and usage today')
    .option('--json', 'print machine-readable JSON')
    .action(async (options: { json?: boolean }) => {
      const { paths } = cliContext();
      let status: StatusReport;
      try {
        status = (await request(paths.socket, { type: 'status' }, 'status')).status as StatusReport;
      } catch (err) {
        if (err instanceof DaemonNotRunning) {
          if (options.json) process.stdout.write(JSON.stringify({ running: false }) + '\n');
          else
            process.stdout.write(
              `OmniClaw is not running (instance ${paths.home}). Start it with \`omniclaw start\`.\n`,
            );
          process.exitCode = 3;
          return;
        }
        return fail((err as Error).message);
      }
      if (options.json) {
        process.stdout.write(JSON.stringify(status, null, 2) + '\n');
        return;
      }
      process.stdout.write(formatStatus(status));
    });
}

export function formatStatus(s: StatusReport): string {
  const lines = [
    `OmniClaw running (pid ${s.pid}, up ${s.uptimeSeconds} s), http://${s.http.host}:${s.http.port}`,
    !s.database || s.database.ok
      ? 'Database: ok'
      : `Database: DEGRADED — writes failing since ${new Date(s.database.since ?? 0).toISOString()} (${s.database.error}); ` +
        'messages are kept and stored when it recovers: free disk space or fix the files',
    `Queue: ${s.queue.running} running (${s.queue.warm} warm), ${s.queue.waiting} waiting`,
    `Outbox: ${s.outbox.pending} pending, ${s.outbox.sent} sent, ${s.outbox.failed} failed`,
    // Scheduler (issue 10): task counts and the next due time, when the daemon reports them.
    ...taskStatusLines((s as StatusReport & { tasks?: TaskStatus }).tasks),
    // Machines (issue 15): other computers that run agents.
    ...machineStatusLines((s as StatusReport & { machines?: MachineLine[] }).machines),
    ...delegationStatusLines((s as StatusReport & { delegations?: DelegationStatus }).delegations),
    ...shareStatusLines((s as StatusReport & { shares?: ShareStatus }).shares),
    'Channels:',
    ...Object.entries(s.channels).map(
      ([name, c]) => `  ${name.padEnd(10)} ${c.state}${c.detail ? ` — ${c.detail}` : ''}`,
    ),
    'Agents:',
    ...s.agents.map(
      (a) =>
        `  ${a.id.padEnd(12)} ${a.main ? 'main ' : '     '}${a.runtime.padEnd(7)} ${a.sandbox.padEnd(8)} ` +
        `${a.active ? `${a.active.state} on ${a.active.chat}` : 'stopped'}; today ${a.today.runs} runs${failedNote(a.today.failedAttempts)}, ` +
        `${a.today.inputTokens + a.today.outputTokens} tokens${a.today.costUsd ? `, $${a.today.costUsd.toFixed(2)}` : ''}`,
    ),
  ];
  return lines.join('\n') + '\n';
}

/** Older daemons do not report failed attempts: nothing is said then. */
const failedNote = (failed: number | undefined): string =>
  failed ? ` (${failed} failed attempt${failed === 1 ? '' : 's'})` : '';

interface TaskStatus {
  counts: Record<string, number>;
  nextDueAt?: number;
}

function taskStatusLines(tasks: TaskStatus | undefined): string[] {
  if (!tasks) return [];
  const c = tasks.counts;
  const next = tasks.nextDueAt !== undefined ? `, next due ${new Date(tasks.nextDueAt).toISOString()}` : '';
  return [
    `Tasks: ${c.active ?? 0} active, ${c.paused ?? 0} paused, ${c.failed ?? 0} failed, ${c.completed ?? 0} completed${next}`,
  ];
}

interface MachineLine {
  name: string;
  state: string;
  detail?: string;
  version?: string;
}

function machineStatusLines(machines: MachineLine[] | undefined): string[] {
  if (!machines?.length) return [];
  return [
    'Machines:',
    ...machines.map(
      (m) =>
        `  ${m.name.padEnd(10)} ${m.state}${m.version ? ` (OmniClaw ${m.version})` : ''}${m.state === 'down' && m.detail ? ` — ${m.detail}` : ''}`,
    ),
  ];
}
