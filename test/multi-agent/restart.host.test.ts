/**
 * Delegations and share requests across a restart of the real host (startApp stopped and
 * started again on the same home and SQLite, echo runner): a request awaiting approval can
 * still be approved (or expires at its time, also when that passed while the host was
 * down), and `status` still shows it. The daemon killed with -9 mid-delegation is
 * test/multi-agent/restart.daemon.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, until, type TestHost } from '../helpers/host.js';
import { folderOf, pairedAgents, seenIn, tool, toolAnswer, writeIn } from './agents.js';

let host: TestHost | undefined;
const homes: string[] = [];
afterEach(async () => {
  await host?.cleanup();
  host = undefined;
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

async function restart(yaml: string, home: string): Promise<TestHost> {
  await host?.cleanup();
  host = await startTestHost(yaml, { home });
  return host;
}

const newHome = (): string => {
  const home = mkdtempSync(join(tmpdir(), 'omniclaw-multi-restart-'));
  homes.push(home);
  return home;
};

let sent = 0;
/** Sends into `chat` with a platform id unique across restarts (intake drops a repeated one). */
const receive = (chat: string, text: string): void =>
  void host!.channel.receive(chat, text, { platformId: `restart-${Date.now()}-${++sent}` });

async function toolCall(chat: string, name: string, args: unknown): Promise<string> {
  const before = host!.channel.sentTo(chat).length;
  receive(chat, tool(name, args));
  return until(() => host!.channel.sentTo(chat).slice(before).find(toolAnswer), 20_000, name);
}

describe('across a restart', () => {
  it('a share and a delegation awaiting approval are still approved after it, and status shows them', async () => {
    const home = newHome();
    const yaml = pairedAgents();
    await restart(yaml, home);
    writeIn(host!, 'other', 'notes.md', 'my notes');
    const shared = await toolCall('mem:other-chat', 'share_request', {
      description: 'my notes',
      files: ['notes.md'],
    });
    const share = /s-[0-9a-f]{6}/.exec(shared)![0];
    const delegated = await toolCall('mem:other-chat', 'delegate_task', {
      description: 'Summarise my notes',
      files: ['notes.md'],
    });
    const delegation = /d-[0-9a-f]{6}/.exec(delegated)![0];
    await seenIn(host!, 'mem:main-chat', `Reply "approve ${delegation}"`);

    await restart(yaml, home);
    const status = host!.app.delegation.status();
    expect(status.delegations.recent).toMatchObject([{ id: delegation, status: 'awaiting_approval' }]);
    expect(status.shares.recent).toMatchObject([
      {
        id: share,
        from: 'other',
        other: 'main',
        status: 'awaiting_approval',
        files: [{ direction: 'push', count: 1 }],
      },
    ]);
    expect(status.shares.recent[0]!.expiresAt).toBeGreaterThan(Date.now());

    receive('mem:main-chat', `approve ${share}`);
    await seenIn(host!, 'mem:main-chat', `Approved ${share}: copied for "other".`);
    expect(readFileSync(join(folderOf(host!, 'main'), 'shared/other/notes.md'), 'utf8')).toBe('my notes');
    receive('mem:main-chat', `approve ${delegation}`);
    await seenIn(host!, 'mem:main-chat', `Approved ${delegation}: "main" is working on it for "other".`);
    const back = await seenIn(
      host!,
      'mem:other-chat',
      new RegExp(`^echo: Result of delegation ${delegation} from agent "main":[\\s\\S]*Summarise my notes`),
    );
    expect(back).toContain('shared/other/notes.md');
    expect(host!.app.delegation.status().delegations.counts).toEqual({ done: 1 });
  });

  it('a request whose time ran out while the host was down expires at the start, and the requester is told', async () => {
    const home = newHome();
    const yaml = pairedAgents(
      '  delegation: { approvalTimeoutMs: 1000 }\n  sharing: { approvalTimeoutMs: 1000 }',
    );
    await restart(yaml, home);
    writeIn(host!, 'other', 'a.md', 'a');
    const share = /s-[0-9a-f]{6}/.exec(
      await toolCall('mem:other-chat', 'share_request', { description: 'a', files: ['a.md'] }),
    )![0];
    const delegation = /d-[0-9a-f]{6}/.exec(
      await toolCall('mem:other-chat', 'delegate_task', { description: 'late work' }),
    )![0];
    await host!.cleanup();
    host = undefined;
    await new Promise((r) => setTimeout(r, 1_200)); // both deadlines pass while no host runs

    await restart(yaml, home);
    await seenIn(host!, 'mem:other-chat', `Share ${share} with "main" expired`);
    await seenIn(host!, 'mem:other-chat', `Delegation ${delegation} to "main" expired`);
    receive('mem:main-chat', `approve ${share}`);
    await seenIn(host!, 'mem:main-chat', `No share ${share} is waiting for approval`);
    expect(existsSync(join(folderOf(host!, 'main'), 'shared'))).toBe(false);
    expect(host!.app.store.runs.recent().filter((r) => r.agent === 'main')).toEqual([]);
  });
});
