import { describe, expect, it } from 'vitest';
import { Paced, TypingLoops } from '../../src/channels/work-feedback.js';
import { sleep } from './channel-test-kit.js';

describe('Paced', () => {
  it('sends at once when eager, merges what arrives meanwhile, and waits out the interval', async () => {
    const sent: { value: string; at: number }[] = [];
    const paced = new Paced<string>({
      intervalMs: 40,
      eager: true,
      send: async (value) => void sent.push({ value, at: Date.now() }),
    });
    paced.update(() => 'a');
    expect(sent.map((s) => s.value)).toEqual(['a']);
    paced.update(() => 'b');
    paced.update((pending) => `${pending}c`);
    await sleep(100);
    expect(sent.map((s) => s.value)).toEqual(['a', 'bc']);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(39);
    await paced.end('send');
    expect(sent).toHaveLength(2);
    paced.update(() => 'late');
    await sleep(60);
    expect(sent).toHaveLength(2);
  });

  it('gathers what arrives in the same tick when not eager; end sends or drops what waits, after the send on the wire', async () => {
    const slowRecorder = () => {
      const sent: string[][] = [];
      let concurrent = 0;
      let maxConcurrent = 0;
      const paced = new Paced<string[]>({
        intervalMs: 60_000,
        send: async (batch) => {
          concurrent++;
          maxConcurrent = Math.max(maxConcurrent, concurrent);
          await sleep(30);
          sent.push(batch);
          concurrent--;
        },
      });
      const add = (piece: string) => paced.update((batch = []) => [...batch, piece]);
      return { paced, add, sent, maxConcurrent: () => maxConcurrent };
    };
    for (const rest of ['send', 'drop'] as const) {
      const { paced, add, sent, maxConcurrent } = slowRecorder();
      add('a');
      add('b');
      expect(sent).toEqual([]);
      await sleep(10);
      add('c');
      await paced.end(rest);
      expect(sent).toEqual(rest === 'send' ? [['a', 'b'], ['c']] : [['a', 'b']]);
      expect(maxConcurrent()).toBe(1);
    }
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
