/**
 * `omniclaw outbox list|retry`: the replies that could not be delivered, and sending them
 * again. Works on the database directly (so also while the daemon is stopped: retried rows
 * go out at its next start); a running daemon is told to send at once.
 */
import type { Command } from 'commander';
import { openStore } from '../store/index.js';
import type { OutboxEntry } from '../store/outbox-store.js';
import { DaemonNotRunning, request } from './control-client.js';
import { cliContext, fail } from './context.js';

export function registerOutbox(program: Command): void {
  const outbox = program.command('outbox').description('list or retry outbound messages that failed');
  outbox
    .command('list')
    .description('show outbound messages that failed for good, newest first')
    .option('--json', 'print machine-readable JSON')
    .option('--limit <n>', 'how many', '50')
    .action((options: { json?: boolean; limit: string }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1)
        return fail(`--limit must be a positive whole number, not "${options.limit}"`);
      const store = openStore(cliContext().paths.database, { migrate: false });
      try {
        const rows = store.outbox.failed(limit);
        if (options.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        else process.stdout.write(formatFailed(rows));
      } finally {
        store.close();
      }
    });
  outbox
    .command('retry')
    .description('send failed messages again (by id, or --all)')
    .argument('[ids...]', 'outbox ids from `omniclaw outbox list`')
    .option('--all', 'every failed message')
    .action(async (ids: string[], options: { all?: boolean }) => {
      if (!ids.length && !options.all)
        return fail('say which messages: `omniclaw outbox retry <id>…` or `--all`');
      const numbers = ids.map(Number);
      const bad = ids.filter((_, i) => !Number.isInteger(numbers[i]) || numbers[i]! < 1);
      if (bad.length) return fail(`not an outbox id: ${bad.join(', ')} (see \`omniclaw outbox list\`)`);
      const { paths } = cliContext();
      const store = openStore(paths.database, { migrate: false });
      let retried: number[];
      try {
        retried = store.outbox.retryFailed(options.all ? undefined : numbers);
      } finally {
        store.close();
      }
      const skipped = numbers.filter((n) => !retried.includes(n));
      if (skipped.length)
        process.stderr.write(`not failed (or no such id), left alone: ${skipped.join(', ')}\n`);
      if (!retried.length) return fail('nothing to retry');
      try {
        await request(paths.socket, { type: 'outbox-kick' }, 'outbox-kick');
        process.stdout.write(`queued again: ${retried.join(', ')}; sending now\n`);
      } catch (err) {
        if (!(err instanceof DaemonNotRunning)) throw err;
        process.stdout.write(`queued again: ${retried.join(', ')}; they are sent when OmniClaw starts\n`);
      }
    });
}

export function formatFailed(rows: OutboxEntry[]): string {
  if (!rows.length) return 'No failed outbound messages.\n';
  const line = (r: OutboxEntry): string => {
    const text = r.text.replace(/\s+/g, ' ');
    return (
      `#${r.id}  ${new Date(r.createdAt).toISOString()}  ${r.chat}${r.agent ? ` (${r.agent})` : ''}  ${r.attempts} attempts\n` +
      `    "${text.length > 60 ? `${text.slice(0, 60)}…` : text}"\n    ${r.lastError ?? 'no error recorded'}`
    );
  };
  return `${rows.map(line).join('\n')}\nSend again with \`omniclaw outbox retry <id>\` or \`--all\`.\n`;
}
