/** One progress stream per piece of work: opened on the first piece, delivered in batches, flushed on close. */
import { expect, it } from 'vitest';
import { ProgressStreams } from '../../../src/channels/kit/progress.js';
import { sleep } from '../channel-test-kit.js';

const noErrors = (key: string, error: unknown): never => {
  throw new Error(`unexpected failure on ${key}`, { cause: error });
};

it('opens one stream per piece of work, batches what arrives together, and delivers the rest on close', async () => {
  const streams = new ProgressStreams(60_000, noErrors);
  const opened: string[] = [];
  const delivered: string[][] = [];
  const open = (key: string) => () => {
    opened.push(key);
    return async (batch: string[]) => void delivered.push([key, ...batch]);
  };
  streams.push('a', 'a', 'one', open('a'));
  streams.push('a', 'a', 'two', open('a'));
  streams.push('b', 'b', 'other', open('b'));
  await streams.close('a');
  expect(delivered).toEqual([['a', 'one', 'two']]);
  await streams.closeAll();
  expect(opened).toEqual(['a', 'b']);
  expect(delivered).toEqual([
    ['a', 'one', 'two'],
    ['b', 'other'],
  ]);
  streams.push('a', 'a', 'again', open('a'));
  await streams.closeAll();
  expect(opened).toEqual(['a', 'b', 'a']);
});

it('delivers the first piece at once and coalesces the rest, one delivery at a time', async () => {
  const streams = new ProgressStreams(100, noErrors);
  const batches: string[][] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const stream = async (batch: string[]): Promise<void> => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    await sleep(30);
    batches.push(batch);
    concurrent--;
  };
  streams.push('w', 'w', 'a', () => stream);
  await sleep(10);
  streams.push('w', 'w', 'b', () => stream);
  streams.push('w', 'w', 'c', () => stream);
  await streams.close('w');
  expect(batches).toEqual([['a'], ['b', 'c']]);
  expect(maxConcurrent).toBe(1);
});

it('reports a failed delivery with its work and keeps going', async () => {
  const errors: string[] = [];
  const streams = new ProgressStreams(10, (key, error) => errors.push(`${key}: ${(error as Error).message}`));
  const delivered: string[][] = [];
  let fail = true;
  const stream = async (batch: string[]): Promise<void> => {
    if (fail) {
      fail = false;
      throw new Error('platform down');
    }
    delivered.push(batch);
  };
  streams.push('w', 'w', 'lost', () => stream);
  await sleep(30);
  streams.push('w', 'w', 'kept', () => stream);
  await streams.close('w');
  expect(errors).toEqual(['w: platform down']);
  expect(delivered).toEqual([['kept']]);
});
