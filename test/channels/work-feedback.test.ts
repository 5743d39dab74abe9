import { describe, expect, it } from 'vitest';
import { ProgressThrottle, TypingLoops } from '../../src/channels/work-feedback.js';
import { sleep } from './channel-test-kit.js';

describe('ProgressThrottle', () => {
  it('delivers the first piece at once and coalesces the rest, one delivery at a time', async () => {
    const batches: string[][] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const throttle = new ProgressThrottle(
      async (batch) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(30);
        batches.push(batch);
        concurrent--;
      },
      100,
      () => undefined,
    );
    throttle.push('a');
    await sleep(10);
    throttle.push('b');
    throttle.push('c');
    await throttle.close();
    expect(batches).toEqual([['a'], ['b', 'c']]);
    expect(maxConcurrent).toBe(1);
  });

  it('keeps going after a failed delivery and ignores pushes after close', async () => {
    const errors: unknown[] = [];
    const delivered: string[][] = [];
    let fail = true;
    const throttle = new ProgressThrottle(
      async (batch) => {
        if (fail) {
          fail = false;
          throw new Error('platform down');
        }
        delivered.push(batch);
      },
      10,
      (e) => errors.push(e),
    );
    throttle.push('lost');
    await sleep(30);
    throttle.push('kept');
    await throttle.close();
    throttle.push('late');
    await sleep(30);
    expect(errors).toHaveLength(1);
    expect(delivered).toEqual([['kept']]);
  });
});

describe('TypingLoops', () => {
  it('sends at once, refreshes, stops, and is idempotent per chat', async () => {
    let sent = 0;
    const loops = new TypingLoops();
    const options = {
      send: async () => void sent++,
      intervalMs: 20,
      maxMs: 10_000,
      onError: () => undefined,
    };
    loops.start('chat', options);
    loops.start('chat', options);
    expect(sent).toBe(1);
    await sleep(75);
    expect(sent).toBeGreaterThanOrEqual(3);
    loops.stop('chat');
    const after = sent;
    await sleep(60);
    expect(sent).toBe(after);
    expect(loops.active('chat')).toBe(false);
  });

  it('stops by itself after the maximum time', async () => {
    let sent = 0;
    const loops = new TypingLoops();
    loops.start('chat', {
      send: async () => void sent++,
      intervalMs: 10,
      maxMs: 30,
      onError: () => undefined,
    });
    await sleep(120);
    expect(loops.active('chat')).toBe(false);
    expect(sent).toBeLessThan(6);
  });

  it('reports send failures without throwing', async () => {
    const errors: unknown[] = [];
    const loops = new TypingLoops();
    loops.start('chat', {
      send: async () => Promise.reject(new Error('nope')),
      intervalMs: 1000,
      maxMs: 5000,
      onError: (e) => errors.push(e),
    });
    await sleep(10);
    loops.stopAll();
    expect(errors).toHaveLength(1);
  });
});
