/**
 * stageAgentFile: what send_file takes out of an agent's folder. The agent is a stranger
 * with a shell in that folder, racing us: links out, swapped parents and hard links must
 * never make the host read a file outside it.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentFileError, stageAgentFile } from '../../src/core/agent-file.js';

let home: string;
let root: string;
let outside: string;
const stagingDir = () => join(home, 'staging');
const stage = (path: string, maxBytes = 1024) =>
  stageAgentFile({ agentRoot: root, path, stagingDir: stagingDir(), maxBytes, platform: 'telegram' });

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'omniclaw-agentfile-'));
  root = join(home, 'groups', 'main');
  outside = join(home, 'secret');
  mkdirSync(root, { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'key.txt'), 'HOST-SECRET');
});
afterEach(() => rmSync(home, { recursive: true, force: true, maxRetries: 5 }));

describe('stageAgentFile', () => {
  it('copies a file of the agent folder into the staging folder, under its own name', async () => {
    mkdirSync(join(root, 'out'));
    writeFileSync(join(root, 'out', 'chart.png'), 'png');
    const staged = await stage('out/chart.png');
    expect(staged.startsWith(stagingDir())).toBe(true);
    expect(staged.endsWith('/chart.png')).toBe(true);
    expect(readFileSync(staged, 'utf8')).toBe('png');
    // Later changes by the agent do not reach what the outbox sends.
    writeFileSync(join(root, 'out', 'chart.png'), 'changed');
    expect(readFileSync(staged, 'utf8')).toBe('png');
  });

  it.each([
    [
      'a symlink to a file outside',
      () => symlinkSync(join(outside, 'key.txt'), join(root, 'f')),
      'f',
      /symbolic link/,
    ],
    [
      'a file under a symlinked folder',
      () => symlinkSync(outside, join(root, 'd')),
      'd/key.txt',
      /outside your folder/,
    ],
    ['a hard link', () => linkSync(join(outside, 'key.txt'), join(root, 'h')), 'h', /hard-linked/],
    ['a folder', () => mkdirSync(join(root, 'dir')), 'dir', /not a regular file/],
    ['a named pipe', () => execFileSync('mkfifo', [join(root, 'p')]), 'p', /not a regular file/],
    ['a missing file', () => undefined, 'nope.txt', /no file nope\.txt/],
    ['an empty file', () => writeFileSync(join(root, 'e'), ''), 'e', /empty/],
    [
      'a file over the platform limit',
      () => writeFileSync(join(root, 'big'), Buffer.alloc(2048)),
      'big',
      /2 KB; telegram takes files up to 1 KB/,
    ],
  ])('refuses %s, staging nothing', async (_name, arrange, path, message) => {
    arrange();
    const error = await stage(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentFileError);
    expect((error as Error).message).toMatch(message);
    expect(() => readFileSync(join(stagingDir(), 'x'))).toThrow();
  });

  it('never stages a byte of a file outside while the agent races symlinks in and out', async () => {
    writeFileSync(join(root, 'real.txt'), 'agent data');
    mkdirSync(join(root, 'dir'));
    writeFileSync(join(root, 'dir', 'key.txt'), 'agent data');
    // The racing agent: flips a file and a parent folder between real and symlinks out.
    const racer = spawn(
      'sh',
      [
        '-c',
        `cd "${root}"; while :; do
           ln -sfn "${outside}/key.txt" f.tmp && mv -fT f.tmp f; cp real.txt f.tmp && mv -fT f.tmp f;
           ln -sfn "${outside}" d.tmp && mv -fT d.tmp dir2; rm -rf dir2; cp -r dir dir2;
         done`,
      ],
      // Its own process group, so the cp or rm it is running dies with it.
      { stdio: 'ignore', detached: true },
    );
    const racerGone = new Promise((resolve) => racer.once('exit', resolve));
    try {
      let staged = 0;
      for (let i = 0; i < 300; i++) {
        for (const path of ['f', 'dir2/key.txt']) {
          const result = await stage(path).catch((e: unknown) => e);
          if (typeof result === 'string') {
            staged++;
            expect(readFileSync(result, 'utf8')).toBe('agent data');
          } else expect(result).toBeInstanceOf(AgentFileError);
        }
      }
      // The race was real: some attempts went through (the file was there) and some did not.
      expect(staged).toBeGreaterThan(0);
    } finally {
      process.kill(-(racer.pid as number), 'SIGKILL');
      await racerGone;
    }
  });
});
