/** `omniclaw logs [-n N] [-f]`: the daemon's JSON log, pretty-printed. */
import { createReadStream, existsSync, readFileSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { cliContext, fail } from './context.js';

export function formatLogLine(line: string): string {
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const { time, level, msg, pid: _pid, hostname: _host, ...rest } = entry;
    const levels: Record<number, string> = {
      10: 'TRACE',
      20: 'DEBUG',
      30: 'INFO',
      40: 'WARN',
      50: 'ERROR',
      60: 'FATAL',
    };
    const when = typeof time === 'number' ? new Date(time).toISOString() : '';
    const fields = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
    return `${when} ${(levels[level as number] ?? String(level)).padEnd(5)} ${String(msg ?? '')}${fields}`;
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
    .action((options: { lines: string; follow?: boolean }) => {
      const file = join(cliContext().paths.logs, 'omniclaw.log');
      if (!existsSync(file)) return fail(`no log yet at ${file} (has OmniClaw been started?)`);
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
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
