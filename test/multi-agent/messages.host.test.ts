/**
 * send_message into another agent's chat through the real host: only where
 * multiAgent.messages pairs the two, one way, rate-limited, and it never wakes the agent
 * of that chat. A flood to unpaired chats is refused whole.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { ask as askIn, threeAgents, tool } from './agents.js';

let host: TestHost | undefined;
afterEach(async () => {
  await host?.cleanup();
  host = undefined;
});

const config = threeAgents(`
multiAgent:
  messages:
    - { from: research, to: other }
`);

const send = (text: string, target: string): string => tool('send_message', { text, target_jid: target });
const ask = (chat: string, text: string): Promise<string> =>
  askIn(host!, chat, text, (t) => t.startsWith('tool '));

describe('messages between agents', () => {
  it("a paired agent sends into the other agent's chat without waking it; unpaired and reverse directions are refused", async () => {
    host = await startTestHost(config);
    expect(await ask('mem:research-chat', send('findings are ready', 'mem:other-chat'))).toMatch(
      /^tool ok: Sent to mem:other-chat/,
    );
    expect(host.channel.sentTo('mem:other-chat')).toEqual(['findings are ready']);
    expect(await ask('mem:research-chat', send('hi main', 'mem:main-chat'))).toMatch(
      /^tool error: send_message: not allowed: agent "research" may only use its own chats/,
    );
    expect(await ask('mem:other-chat', send('back at you', 'mem:research-chat'))).toMatch(
      /^tool error: send_message: not allowed: agent "other" may only use its own chats/,
    );
    expect(host.channel.sentTo('mem:main-chat')).toEqual([]);
    expect(host.channel.sentTo('mem:research-chat').filter((t) => t === 'back at you')).toEqual([]);
    // Only the runs the test's own messages started; the delivered message woke nobody.
    expect(
      host.app.store.runs.recent().filter((r) => r.agent === 'other' && r.chat === 'mem:other-chat'),
    ).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(host.app.store.runs.recent().filter((r) => r.agent === 'other')).toHaveLength(1);
  });

  it('a flood is cut at 30 an hour to paired chats and refused whole to unpaired ones', async () => {
    host = await startTestHost(config);
    const paired: string[] = [];
    for (let i = 0; i < 33; i++)
      paired.push(await ask('mem:research-chat', send(`flood ${i}`, 'mem:other-chat')));
    expect(paired.filter((a) => a.startsWith('tool ok'))).toHaveLength(30);
    expect(
      paired.slice(30).every((a) => /at most 30 messages an hour go to other agents' chats/.test(a)),
    ).toBe(true);
    expect(host.channel.sentTo('mem:other-chat')).toHaveLength(30);
    for (let i = 0; i < 10; i++)
      expect(await ask('mem:research-chat', send(`spam ${i}`, 'mem:main-chat'))).toMatch(
        /^tool error: send_message: not allowed/,
      );
    expect(host.channel.sentTo('mem:main-chat')).toEqual([]);
    expect(host.app.store.runs.recent().some((r) => r.agent === 'other' || r.agent === 'main')).toBe(false);
  });

  it('refuses a pair naming an agent that does not exist', async () => {
    await expect(
      startTestHost(config.replace('{ from: research, to: other }', '{ from: research, to: ghost }')),
    ).rejects.toThrow(/multiAgent.messages\[0\].to: no agent with id "ghost"/);
  });
});
