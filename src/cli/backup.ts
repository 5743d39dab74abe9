/** `omniclaw backup` and `omniclaw restore`: one archive of an instance, and back. */
import type { Command } from 'commander';
import { isAlive } from '../transport/control-socket.js';
import { createBackup, restoreBackup, RestoreRefused } from './backup-archive.js';
import { cliContext, fail } from './context.js';

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('write one archive of the database, config and agent folders (secrets only when asked)')
    .option('-o, --output <file>', 'where to write it (default: backups/ in the instance folder)')
    .option('--include-secrets', 'also .env and the WhatsApp pairing (keep the archive private)')
    .action(async (options: { output?: string; includeSecrets?: boolean }) => {
      const { paths } = cliContext();
      try {
        const result = await createBackup(paths, {
          file: options.output,
          includeSecrets: options.includeSecrets === true,
        });
        process.stdout.write(
          `Backed up ${result.entries.join(', ') || 'nothing (the instance is empty)'} to ${result.file}.\n` +
            (result.includesSecrets
              ? 'It holds your secrets: keep it private.\n'
              : 'Secrets (.env, WhatsApp pairing) are not in it; add --include-secrets to keep them too.\n'),
        );
      } catch (err) {
        fail(`the backup failed: ${(err as Error).message}`);
      }
    });

  program
    .command('restore')
    .description('put an instance back from an `omniclaw backup` archive (stop the daemon first)')
    .argument('<archive>', 'the .tar.gz written by omniclaw backup')
    .option('--force', 'replace what is there (it is saved to a backup first)')
    .action(async (archive: string, options: { force?: boolean }) => {
      const { paths } = cliContext();
      if (await isAlive(paths.socket))
        return fail(
          'OmniClaw is running on this instance. Stop it first (Ctrl-C where it runs, or stop its service), then restore.',
        );
      try {
        const result = await restoreBackup(paths, archive, { force: options.force === true });
        process.stdout.write(
          `Restored ${result.entries.join(', ')} into ${paths.home}.\n` +
            (result.savedFirst ? `What was there before is saved in ${result.savedFirst}.\n` : '') +
            'Start OmniClaw again with `omniclaw start`.\n',
        );
      } catch (err) {
        fail(err instanceof RestoreRefused ? err.message : `the restore failed: ${(err as Error).message}`);
      }
    });
}
