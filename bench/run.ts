/**
 * `npm run bench [filter]`: runs every bench/*.bench.ts (or those whose name contains the
 * filter), prints a table and writes bench/results.json. Numbers go to docs/performance.md.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Benchmark, BenchResult } from './types.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort();

const all: Record<string, BenchResult[]> = {};
for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: Benchmark };
  process.stdout.write(`\n## ${file}\n`);
  try {
    const results = await mod.default();
    all[file] = results;
    for (const r of results) {
      const target = r.target ? `  (target ${r.target})` : '';
      const note = r.note ? `  — ${r.note}` : '';
      process.stdout.write(
        `${r.name.padEnd(60)} ${String(r.value).padStart(12)} ${r.unit}${target}${note}\n`,
      );
    }
  } catch (err) {
    process.stdout.write(`FAILED: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
writeFileSync(
  join(dir, 'results.json'),
  JSON.stringify({ at: new Date().toISOString(), results: all }, null, 2),
);
process.stdout.write(`\nwrote bench/results.json\n`);
