/**
 * `omniclaw logs [-n N] [-f] [--chat ID]`: the daemon's JSON log, pretty-printed. With
 * --chat, one conversation's path at a glance: its lines and those of the runs that served
 * it (message accepted → run started → reply sent → run ended), one short line each.
 */
import { createReadStream, existsSync, readFileSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { cliContext, fail } from './context.js';

export function formatLogLine(line: string): string {
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const { time, level, msg, pid: _pid, hostname: _host, ...rest } = entry;
    const when = typeof time === 'number' ? new Date(time).toISOString() : '';
    const fields = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
    return `${when} ${(LEVELS[level as number] ?? String(level)).padEnd(5)} ${String(msg ?? '')}${fields}`;
  } catch {
    return line;
  }
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** The lines about one chat: those naming it, and those of any run that served it. */
export function conversationLines(lines: string[], chat: string): string[] {
  const runs = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    let entry: { chat?: unknown; run?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    const run = typeof entry.run === 'string' ? entry.run : undefined;
    if (entry.chat === chat) {
      if (run) runs.add(run);
      out.push(line);
    } else if (run && runs.has(run)) out.push(line);
  }
  return out;
}

/** `14:02:03.120 INFO  run started  agent=main sandbox=bwrap start=cold` (ids shortened). */
export function formatStep(line: string): string {
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const { time, level, msg, pid: _p, hostname: _h, chat: _c, ...rest } = entry;
    const when = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
    const fields = Object.entries(rest)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(
        ([k, v]) =>
          `${k}=${k === 'run' && typeof v === 'string' ? v.slice(0, 8) : typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
      );
    return `${when} ${(LEVELS[level as number] ?? String(level)).padEnd(5)} ${String(msg ?? '')}  ${fields.join(' ')}`.trimEnd();
  } catch {
    return line;
  }
}

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("show the daemon's log")
    .option('-n, --lines <n>', 'how many recent lines', '50')
    .option('-f, --follow', 'keep printing new lines')
    .option('--chat <id>', "one conversation's path: that chat's lines and its runs' (e.g. tg:123456)")
    .action((options: { lines: string; follow?: boolean; chat?: string }) => {
      const file = join(cliContext().paths.logs, 'omniclaw.log');
      if (!existsSync(file)) return fail(`no log yet at ${file} (has OmniClaw been started?)`);
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      if (options.chat) {
        const path = conversationLines(lines, options.chat);
        if (!path.length)
          return fail(`nothing in ${file} about chat ${options.chat}; check the id (omniclaw status)`);
        for (const line of path.slice(-Number(options.lines))) process.stdout.write(formatStep(line) + '\n');
        return;
      }
      for (const line of lines.slice(-Number(options.lines)))
        process.stdout.write(formatLogLine(line) + '\n');
      if (!options.follow) return;
      let offset = statSync(file).size;
      watch(file, () => {
        const size = statSync(file).size;
        if (size < offset) offset = 0;
        if (size === offset) return;
        const stream = createReadStream(file, { start: offset, end: size - 1, encoding: 'utf8' });
        offset = size;
        let buffer = '';
        stream.on('data', (chunk) => (buffer += String(chunk)));
        stream.on('end', () => {
          for (const line of buffer.split('\n').filter(Boolean))
            process.stdout.write(formatLogLine(line) + '\n');
        });
      });
    });
}
