/**
 * Approval by reaction through the real host and the real Telegram adapter (fake Telegram
 * server on 127.0.0.1): 👍 on the host's approval request in the main chat approves it, 👎
 * denies it; a reaction on any other message does nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { privateChat, startFakeTelegram, user, type FakeTelegram } from '../fakes/fake-telegram.js';
import { startTestHost, until, type TestHost } from '../helpers/host.js';
import { ask, seenIn, tool, toolAnswer, writeIn } from './agents.js';

let host: TestHost | undefined;
let tg: FakeTelegram | undefined;
afterEach(async () => {
  await host?.cleanup();
  await tg?.close();
  host = undefined;
  tg = undefined;
});

const config = (token: string, apiRoot: string): string => `
channels: { telegram: { token: "${token}", apiRoot: "${apiRoot}" } }
agents:
  - { id: main, main: true, sandbox: none }
  - { id: other, name: Other, sandbox: none }
routes:
  - { chat: "tg:42", agent: main }
  - { chat: "mem:other-chat", agent: other, requiresTrigger: false }
`;

/** The Telegram message id of the bot's message in tg:42 whose text contains `what`. */
async function botMessage(what: string): Promise<number> {
  const payload = await tg!.waitForCall('sendMessage', (p) => String(p.text).includes(what), 20_000);
  const sent = [...tg!.sent.values()].find((m) => m.text === payload.text || String(m.text).includes(what));
  return Number(sent!.message_id);
}

const react = (messageId: number, emoji: string): void =>
  void tg!.pushUpdate({
    message_reaction: {
      chat: privateChat(42),
      message_id: messageId,
      user: user(42),
      date: Math.floor(Date.now() / 1000),
      old_reaction: [],
      new_reaction: [{ type: 'emoji', emoji }],
    },
  });

describe('approval by reaction on Telegram', () => {
  it('👍 on a delegation request approves it; 👎 on a share request denies it; other messages are ignored', async () => {
    tg = await startFakeTelegram();
    host = await startTestHost(config(tg.token, tg.apiRoot));
    const asked = await ask(
      host,
      'mem:other-chat',
      tool('delegate_task', { description: 'Summarise' }),
      toolAnswer,
    );
    const d = /d-[0-9a-f]{6}/.exec(asked)![0];
    const request = await botMessage(`approve ${d}`);

    // A reaction on a message that is not an approval request decides nothing.
    const hello = tg.userSends({ chat: privateChat(42), from: user(42), text: 'hello' });
    react(Number(hello.message_id), '👍');
    react(request, '🎉');
    react(request, '👍');
    await botMessage(`Approved ${d}: "main" is working on it for "other".`);
    await seenIn(host, 'mem:other-chat', new RegExp(`^echo: Result of delegation ${d} from agent "main":`));
    expect(tg.callsOf('sendMessage').filter((p) => String(p.text).includes('Approved'))).toHaveLength(1);

    writeIn(host, 'other', 'notes.md', 'notes');
    const shared = await ask(
      host,
      'mem:other-chat',
      tool('share_request', { description: 'notes', files: ['notes.md'] }),
      toolAnswer,
    );
    const s = /s-[0-9a-f]{6}/.exec(shared)![0];
    react(await botMessage(`approve ${s}`), '👎');
    await botMessage(`Denied ${s}; "other" is told.`);
    await seenIn(host, 'mem:other-chat', `Share ${s} with "main" was denied by the operator`);
    await until(() => host!.app.delegation.status().shares.recent[0]?.status === 'denied', 5_000, 'denied');
  });
});
