/**
 * A file sent to a chat routed to two agents (issue 9, item 3): the attachment inbox is
 * chosen by the one router, and after routing every routed agent has the file, under the
 * name the stored message gives it. Real host, real SQLite, the real Telegram adapter
 * against the fake Bot API, the echo runner (which echoes the attachment path it was told).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { privateChat, startFakeTelegram, user, type FakeTelegram } from '../fakes/fake-telegram.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { agentInbox, instancePaths } from '../../src/config/paths.js';

let host: TestHost | undefined;
let tg: FakeTelegram | undefined;
afterEach(async () => {
  await host?.cleanup();
  await tg?.close();
  host = undefined;
  tg = undefined;
});

const TWO_AGENTS = (token: string, apiRoot: string): string => `
channels: { telegram: { token: "${token}", apiRoot: "${apiRoot}" } }
agents: [{ id: main, main: true, sandbox: none }, { id: helper, sandbox: none }]
routes:
  - { chat: "tg:42", agent: main, requiresTrigger: false }
  - { chat: "tg:42", agent: helper, requiresTrigger: false }
`;

/** Sends notes.txt with `caption`; each agent must be told, and hold, the file as `file` in its own inbox. */
async function sendNotesAndExpect(
  fake: FakeTelegram,
  paths: ReturnType<typeof instancePaths>,
  caption: string,
  file: string,
): Promise<void> {
  fake.addFile('notes', 'documents/notes.txt', Buffer.from('meeting at 10'));
  const document = { file_id: 'notes', file_name: 'notes.txt' };
  fake.userSends({ chat: privateChat(42), from: user(42), caption, document });
  for (const agent of ['main', 'helper']) {
    const inbox = agentInbox(paths, agent);
    await fake.waitForCall('sendMessage', (p) => String(p.text).includes(`${inbox}/${file}`), 20_000);
    expect(readFileSync(join(inbox, file), 'utf8')).toBe('meeting at 10');
  }
}

describe('a file sent to a chat routed to two agents', () => {
  it('reaches both agents, each reading it in its own inbox under the stored name', async () => {
    tg = await startFakeTelegram();
    host = await startTestHost(TWO_AGENTS(tg.token, tg.apiRoot));
    const paths = instancePaths(host.home);
    // The echo runner repeats the attachment line of its prompt: each agent is told its own inbox.
    await sendNotesAndExpect(tg, paths, 'my notes', 'notes.txt');
    const stored = host.app.store.messages.after('tg:42', 0, 10).find((m) => m.text === 'my notes');
    expect(stored?.attachments).toEqual([expect.objectContaining({ name: 'notes.txt', file: 'notes.txt' })]);
  }, 40_000);

  it('picks a name free in every inbox, so no agent reads an older file of the same name', async () => {
    tg = await startFakeTelegram();
    const home = mkdtempSync(join(tmpdir(), 'omniclaw-attach-'));
    const paths = instancePaths(home);
    // The helper already holds a notes.txt of an earlier message; the main agent does not.
    mkdirSync(agentInbox(paths, 'helper'), { recursive: true, mode: 0o755 });
    writeFileSync(join(agentInbox(paths, 'helper'), 'notes.txt'), 'an older file');
    host = await startTestHost(TWO_AGENTS(tg.token, tg.apiRoot), { home });
    await sendNotesAndExpect(tg, paths, 'new notes', 'notes-1.txt');
    expect(readFileSync(join(agentInbox(paths, 'helper'), 'notes.txt'), 'utf8')).toBe('an older file');
    const stored = host.app.store.messages.after('tg:42', 0, 10).find((m) => m.text === 'new notes');
    expect(stored?.attachments?.[0]?.file).toBe('notes-1.txt');
    await host.cleanup();
    host = undefined;
    rmSync(home, { recursive: true, force: true });
  }, 40_000);
});
