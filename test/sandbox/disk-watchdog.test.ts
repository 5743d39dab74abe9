/**
 * The disk limit's two parts: measuring an agent's folders the way an attacker cannot fool
 * (real du on real files), and stopping a live run (a real child process) once they are
 * past the limit — and nothing at all once the run is gone.
 */
import { spawn } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapChildProcess } from '../../src/sandbox/child-process.js';
import { measureDiskUsage, type DiskUsage } from '../../src/sandbox/disk-usage.js';
import { watchDisk } from '../../src/sandbox/disk-watchdog.js';

const MB = 1024 * 1024;
let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'omniclaw-disk-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const folder = (name: string): string => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
};

describe('measureDiskUsage', () => {
  it('counts the blocks files really take, each inode once, and never follows a symlink', async () => {
    const agent = folder('agent');
    const state = folder('state');
    const outside = folder('outside');
    writeFileSync(join(outside, 'host-data'), Buffer.alloc(8 * MB, 1));
    writeFileSync(join(agent, 'real'), Buffer.alloc(3 * MB, 1));
    const base = (await measureDiskUsage([agent, state])).bytes;
    expect(base).toBeGreaterThanOrEqual(3 * MB);
    expect(base).toBeLessThan(3.5 * MB);

    // A sparse file claiming 50 GB, hard links to the real file (one in the other folder),
    // and links to a big host folder and to / add (almost) nothing.
    writeFileSync(join(agent, 'sparse'), '');
    truncateSync(join(agent, 'sparse'), 50 * 1024 * MB);
    linkSync(join(agent, 'real'), join(agent, 'again'));
    linkSync(join(agent, 'real'), join(state, 'again'));
    symlinkSync(outside, join(agent, 'outside'));
    symlinkSync('/', join(agent, 'root'));
    const after = await measureDiskUsage([agent, state]);
    expect(after.unreadable).toBe(false);
    expect(after.bytes - base).toBeLessThan(64 * 1024);
  });

  it('measures a folder that does not exist (yet) as empty', async () => {
    expect(await measureDiskUsage([join(root, 'missing')])).toEqual({ bytes: 0, unreadable: false });
    expect(await measureDiskUsage([])).toEqual({ bytes: 0, unreadable: false });
  });
});

/** A real process standing in for a sandboxed runner. */
const sleeper = () =>
  wrapChildProcess(spawn('/bin/sleep', ['30'], { stdio: ['pipe', 'pipe', 'pipe'] }), { timeoutMs: 30_000 });

const measuring = (answers: (DiskUsage | Error)[]) => {
  const calls: number[] = [];
  return {
    calls,
    measure: async (): Promise<DiskUsage> => {
      calls.push(Date.now());
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
};

describe('watchDisk', () => {
  const small: DiskUsage = { bytes: 1 * MB, unreadable: false };

  it('stops a live run once its folders are past the limit, with one sentence for the chat', async () => {
    const { measure, calls } = measuring([
      small,
      new Error('du died'),
      small,
      { bytes: 30 * MB, unreadable: false },
    ]);
    const proc = watchDisk(sleeper(), {
      agentId: 'filler',
      folders: [root],
      limitMb: 20,
      measure,
      minIntervalMs: 10,
    });
    const exit = await proc.exited;
    expect(calls.length).toBe(4); // a failed measurement is tried again, not fatal
    expect(exit.reason).toBe('limit');
    expect(exit.detail).toBe(
      'agent "filler" was stopped: its files take 30 MB, over its 20 MB disk limit; ' +
        'delete files in its folder or raise limits.diskMb',
    );
  });

  it('stops a run whose folders it cannot read, since their size cannot be checked', async () => {
    const { measure } = measuring([{ bytes: MB, unreadable: true }]);
    const exit = await watchDisk(sleeper(), { agentId: 'hider', folders: [root], limitMb: 20, measure })
      .exited;
    expect(exit).toMatchObject({
      reason: 'limit',
      detail: expect.stringMatching(/unreadable.*chmod -R u\+rX/),
    });
  });

  it('measures nothing once the run has ended, and keeps the exit reason of the run itself', async () => {
    const { measure, calls } = measuring([small]);
    const proc = watchDisk(sleeper(), {
      agentId: 'quiet',
      folders: [root],
      limitMb: 20,
      measure,
      minIntervalMs: 10,
    });
    await new Promise((r) => setTimeout(r, 100));
    await proc.kill('killed');
    expect((await proc.exited).reason).toBe('killed');
    const seen = calls.length;
    expect(seen).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(calls.length).toBe(seen);
  });
});
