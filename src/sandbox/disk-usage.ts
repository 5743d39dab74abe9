/**
 * How much disk an agent's folders take. The folders are the agent's to shape: symlinks to
 * the rest of the host, hard links to one big file, sparse files claiming terabytes, and
 * directories swapped for links while they are walked. `du` (GNU and BSD alike) handles all
 * of it: it never follows a symlink (-P) nor leaves the file system (-x), counts every
 * inode once across all the folders (hard links), reports allocated blocks rather than
 * claimed sizes (sparse files), and walks with directory descriptors (fts), so a swap
 * mid-walk is not followed either.
 */
import { spawn } from 'node:child_process';

export interface DiskUsage {
  /** Allocated bytes under all folders, each inode counted once. */
  bytes: number;
  /** Some directory could not be read (the agent made it unreadable): `bytes` is too low. */
  unreadable: boolean;
}

export type MeasureDiskUsage = (folders: string[]) => Promise<DiskUsage>;

const MEASURE_TIMEOUT_MS = 120_000;

export const measureDiskUsage: MeasureDiskUsage = (folders) =>
  new Promise((resolve, reject) => {
    if (folders.length === 0) return resolve({ bytes: 0, unreadable: false });
    // -c: one total line at the end; -k: KiB (the unit both du flavours share).
    const child = spawn('du', ['-s', '-k', '-P', '-x', '-c', '--', ...folders], {
      env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let unreadable = false;
    let stderrTail = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-4096)));
    // Not kept whole: an agent can make du complain a million times.
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4096);
      if (/Permission denied/.test(stderrTail)) unreadable = true;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), MEASURE_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run du to measure ${folders.join(', ')}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const total = /^(\d+)\s+total\s*$/m.exec(stdout.trim().split('\n').pop() ?? '');
      // du exits 1 when a file vanished mid-walk (the agent deletes as it works): the total still counts.
      if (!total || signal) {
        return reject(
          new Error(
            `du could not measure ${folders.join(', ')} (${signal ?? `exit ${code}`}): ${stderrTail.trim().split('\n').pop() ?? ''}`,
          ),
        );
      }
      resolve({ bytes: Number(total[1]) * 1024, unreadable });
    });
  });
