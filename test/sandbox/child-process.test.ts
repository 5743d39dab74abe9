// The exit of a wrapped process is told only after what it wrote was read (bounded when a
// grandchild keeps the pipe open), so the runner's last events and complaint are never lost.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { wrapChildProcess } from '../../src/sandbox/child-process.js';

const wrapped = (script: string) =>
  wrapChildProcess(spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] }), { timeoutMs: 30_000 });

describe('wrapChildProcess', () => {
  it('reads stdout and stderr to their end before the exit is told', async () => {
    // The shell exits at once; what its background child writes later still comes first.
    const proc = wrapped('(sleep 0.3; echo late-out; echo late-err >&2) & exit 3');
    let out = '';
    let err = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const info = await proc.exited;
    expect(info.code).toBe(3);
    expect(out).toBe('late-out\n');
    expect(err).toBe('late-err\n');
  });

  it('tells the exit within the bound when a grandchild keeps the pipes open', async () => {
    const proc = wrapped('sleep 5 & exit 0');
    proc.stdout.on('data', () => undefined);
    const started = Date.now();
    const info = await proc.exited;
    expect(info.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
