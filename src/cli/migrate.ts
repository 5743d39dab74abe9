/** `omniclaw migrate status|up|down [n]`. */
import type { Command } from 'commander';
import { openDatabase } from '../store/db.js';
import { Migrator } from '../store/migration.js';
import { migrations } from '../store/migrations/index.js';
import { cliContext, fail } from './context.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('show or change the database schema version')
    .argument('[action]', 'status | up | down', 'status')
    .argument('[count]', 'how many migrations (up: all by default; down: 1 by default)')
    .action((action: string, count?: string) => {
      const { paths } = cliContext();
      const n = count === undefined ? undefined : Number(count);
      if (n !== undefined && (!Number.isInteger(n) || n < 1))
        return fail(`count must be a positive whole number, not "${count}"`);
      const db = openDatabase(paths.database);
      try {
        const migrator = new Migrator(db, migrations);
        if (action === 'status') {
          for (const m of migrator.status()) {
            const when = m.appliedAt ? new Date(m.appliedAt).toISOString() : '';
            const mark = m.applied ? (m.checksumOk ? 'applied ' : 'MISMATCH') : 'pending ';
            process.stdout.write(
              `${String(m.version).padStart(4, '0')} ${m.name.padEnd(24)} ${mark} ${when}\n`,
            );
          }
        } else if (action === 'up') {
          const done = migrator.up(n ?? Infinity);
          process.stdout.write(done.length ? `applied ${done.join(', ')}\n` : 'already up to date\n');
        } else if (action === 'down') {
          const done = migrator.down(n ?? 1);
          process.stdout.write(done.length ? `reverted ${done.join(', ')}\n` : 'nothing to revert\n');
        } else {
          fail(`unknown action "${action}": use status, up or down`);
        }
      } catch (err) {
        fail((err as Error).message);
      } finally {
        db.close();
      }
    });
}
