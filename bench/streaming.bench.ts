/**
 * Replies that stream (issue 12): time from a user's Telegram message to the first visible
 * words of the answer, with a model that writes slowly (the echo runner's `!stream:40:50`:
 * 40 words, one per 50 ms, ~2 s of writing), streamed (`stream: true`: the preview is posted
 * at the first delta) against not streamed (the whole reply once it is written). Real host,
 * real SQLite, the real Telegram adapter against the fake Bot API on loopback; no sandbox.
 * Also: how many Bot API calls the streamed reply cost (post + edits at ≤ 1/s + final edit).
 */
import { privateChat, startFakeTelegram, user } from '../test/fakes/fake-telegram.js';
import { startTestHost } from '../test/helpers/host.js';
import { percentile, round, type BenchResult } from './types.js';

const ROUNDS = 5;

async function measure(
  stream: boolean,
): Promise<{ firstWords: number[]; complete: number[]; calls: number[] }> {
  const tg = await startFakeTelegram();
  const host = await startTestHost(`
channels: { telegram: { token: "${tg.token}", apiRoot: "${tg.apiRoot}" } }
agents: [{ id: main, main: true, sandbox: none, stream: ${stream} }]
routes: [{ chat: "tg:42", agent: main, requiresTrigger: false }]
`);
  const callAfter = async (index: number, match: (c: (typeof tg.calls)[number]) => boolean) => {
    for (let waited = 0; waited < 30_000; waited += 5) {
      const found = tg.calls.slice(index).find(match);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('the fake Bot API saw no such call within 30 s');
  };
  const firstWords: number[] = [];
  const complete: number[] = [];
  const calls: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const before = tg.calls.length;
      const started = Date.now();
      tg.userSends({ chat: privateChat(42), from: user(42), text: `round ${i} !stream:40:50` });
      const final = Array.from({ length: 40 }, (_, k) => `w${k + 1}`).join(' ') + '.';
      const first = await callAfter(
        before,
        (c) => c.method === 'sendMessage' && /w1/.test(String(c.payload.text)),
      );
      firstWords.push(first.at - started);
      complete.push((await callAfter(before, (c) => String(c.payload.text) === final)).at - started);
      calls.push(tg.calls.slice(before).filter((c) => /sendMessage|editMessageText/.test(c.method)).length);
      // Let the run go idle before the next round (its cursor, the outbox).
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    await host.cleanup();
    await tg.close();
  }
  return { firstWords, complete, calls };
}

export default async function streaming(): Promise<BenchResult[]> {
  const off = await measure(false);
  const on = await measure(true);
  const row = (name: string, values: number[]): BenchResult => ({
    name,
    value: round(percentile(values, 50)),
    unit: 'ms',
    note: `p50 of ${values.length}`,
  });
  return [
    row('telegram, slow model (~2 s of writing): first visible words, not streamed', off.firstWords),
    row('telegram, slow model: first visible words, streamed', on.firstWords),
    row('telegram, slow model: complete reply visible, not streamed', off.complete),
    row('telegram, slow model: complete reply visible, streamed', on.complete),
    {
      name: 'telegram, streamed: Bot API message calls per reply (post + edits)',
      value: percentile(on.calls, 50),
      unit: 'calls',
    },
  ];
}
