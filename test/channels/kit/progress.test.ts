/** One progress stream per piece of work: opened on the first piece, delivered in batches, flushed on close. */
import { expect, it } from 'vitest';
import { ProgressStreams } from '../../../src/channels/kit/progress.js';

it('opens one stream per piece of work, batches what arrives together, and delivers the rest on close', async () => {
  const streams = new ProgressStreams(60_000);
  const opened: string[] = [];
  const delivered: string[][] = [];
  const open = (key: string) => () => {
    opened.push(key);
    return {
      deliver: async (batch: string[]) => void delivered.push([key, ...batch]),
      onError: () => undefined,
    };
  };
  streams.push('a', 'one', open('a'));
  streams.push('a', 'two', open('a'));
  streams.push('b', 'other', open('b'));
  await streams.close('a');
  expect(delivered).toEqual([['a', 'one', 'two']]);
  await streams.closeAll();
  expect(opened).toEqual(['a', 'b']);
  expect(delivered).toEqual([
    ['a', 'one', 'two'],
    ['b', 'other'],
  ]);
  streams.push('a', 'again', open('a'));
  await streams.closeAll();
  expect(opened).toEqual(['a', 'b', 'a']);
});
