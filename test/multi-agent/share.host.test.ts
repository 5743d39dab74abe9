/**
 * share_request through the real host (echo runner): an unpaired share waits for
 * `approve s-…` on the main chat (taken by the intake), and only then are the files copied
 * into the target's shared/<from>/; deny and expiry copy nothing and tell the requester; a
 * pair in multiAgent.share copies at once; a planted symlink is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentFolder, instancePaths } from '../../src/config/paths.js';
import { startTestHost, until, type TestHost } from '../helpers/host.js';
import { ask, threeAgents, tool } from './agents.js';

let host: TestHost | undefined;
afterEach(async () => {
  await host?.cleanup();
  host = undefined;
});

const share = (args: Record<string, unknown>): string => tool('share_request', args);
const toolAnswer = (t: string): boolean => t.startsWith('tool ');
const folder = (id: string): string => agentFolder(instancePaths(host!.home), id);
const seen = (chat: string, what: string | RegExp): Promise<string> =>
  until(
    () =>
      host!.channel.sentTo(chat).find((t) => (typeof what === 'string' ? t.includes(what) : what.test(t))),
    20_000,
    String(what),
  );
const writeIn = (agent: string, path: string, text: string): void => {
  mkdirSync(join(folder(agent), path, '..'), { recursive: true });
  writeFileSync(join(folder(agent), path), text);
};

describe('share_request', () => {
  it('waits for approve on the main chat; the copy lands in shared/<from>/ only after it', async () => {
    host = await startTestHost(threeAgents());
    writeIn('research', 'reports/q3.md', 'quarter three');
    const answer = await ask(
      host,
      'mem:research-chat',
      share({ description: 'my report', files: ['reports/q3.md'] }),
      toolAnswer,
    );
    expect(answer).toMatch(/^tool ok: Share s-[0-9a-f]{6} is waiting for approval on the main chat/);
    const id = /s-[0-9a-f]{6}/.exec(answer)![0];
    const request = await seen('mem:main-chat', `Reply "approve ${id}" or "deny ${id}"`);
    expect(request).toContain('Agent "research" asks to share files: my report');
    expect(request).toContain('from "research" to "main" (into shared/research/): reports/q3.md (13 bytes)');
    const landed = join(folder('main'), 'shared/research/q3.md');
    expect(existsSync(landed)).toBe(false);
    host.channel.receive('mem:main-chat', `approve ${id}`);
    await seen('mem:main-chat', `Approved ${id}`).then((t) =>
      expect(t).toBe(`Approved ${id}: copied for "research".`),
    );
    expect(readFileSync(landed, 'utf8')).toBe('quarter three');
    // The requester hears it as a message in its chat (the echo run answers it).
    await seen(
      'mem:research-chat',
      /^echo: Share s-[0-9a-f]{6} with "main" is done; copied:\n- main: shared\/research\/q3.md/,
    );
    // The command never reached the main agent.
    expect(host.app.store.runs.recent().filter((r) => r.agent === 'main')).toEqual([]);
    expect(await host.app.metrics.registry.metrics()).toContain(
      'omniclaw_shares_total{from="research",to="main",outcome="copied"} 1',
    );
  });

  it('refuses ".." and absolute paths before anything is asked or read', async () => {
    host = await startTestHost(threeAgents());
    for (const files of [['../main/CLAUDE.md'], ['/etc/passwd']]) {
      const answer = await ask(host, 'mem:research-chat', share({ description: 'x', files }), toolAnswer);
      expect(answer).toMatch(/^tool error: .*relative to your folder/);
    }
    expect(host.channel.sentTo('mem:main-chat')).toEqual([]);
  });

  it('deny copies nothing and the requester is told', async () => {
    host = await startTestHost(threeAgents());
    writeIn('main', 'plan.md', 'the plan');
    const answer = await ask(
      host,
      'mem:research-chat',
      share({ description: 'need the plan', request_files: ['plan.md'] }),
      toolAnswer,
    );
    const id = /s-[0-9a-f]{6}/.exec(answer)![0];
    await seen('mem:main-chat', `approve ${id}`);
    host.channel.receive('mem:main-chat', `deny ${id}`);
    await seen(
      'mem:research-chat',
      `Share ${id} with "main" was denied by the operator; nothing was copied.`,
    );
    expect(existsSync(join(folder('research'), 'shared'))).toBe(false);
  });

  it('expires after multiAgent.sharing.approvalTimeoutMs', async () => {
    host = await startTestHost(threeAgents('multiAgent:\n  sharing: { approvalTimeoutMs: 1000 }\n'));
    writeIn('research', 'a.md', 'a');
    const answer = await ask(
      host,
      'mem:research-chat',
      share({ description: 'a', files: ['a.md'] }),
      toolAnswer,
    );
    const id = /s-[0-9a-f]{6}/.exec(answer)![0];
    await seen('mem:research-chat', `Share ${id} with "main" expired`);
    host.channel.receive('mem:main-chat', `approve ${id}`);
    await seen('mem:main-chat', `No share ${id} is waiting for approval`);
    expect(existsSync(join(folder('main'), 'shared'))).toBe(false);
  });

  it('a paired pull copies at once; a symlink to a host secret is refused with nothing copied', async () => {
    host = await startTestHost(
      threeAgents('multiAgent:\n  share:\n    - { from: research, to: other, direction: pull }\n'),
    );
    writeIn('other', 'data/table.csv', 'a,b');
    const ok = await ask(
      host,
      'mem:research-chat',
      share({ description: 'table', target_agent: 'other', request_files: ['data/table.csv'] }),
      toolAnswer,
    );
    expect(ok).toMatch(
      /^tool ok: Share s-[0-9a-f]{6} with "other" is done; copied:\n- research: shared\/other\/table.csv/,
    );
    expect(readFileSync(join(folder('research'), 'shared/other/table.csv'), 'utf8')).toBe('a,b');
    const secret = join(host.home, 'host-secret.txt');
    writeFileSync(secret, 'TOP SECRET');
    symlinkSync(secret, join(folder('other'), 'leak.md'));
    const refused = await ask(
      host,
      'mem:research-chat',
      share({ description: 'leak', target_agent: 'other', request_files: ['leak.md'] }),
      toolAnswer,
    );
    expect(refused).toMatch(
      /^tool error: share_request: Share s-[0-9a-f]{6} with "other" failed, nothing was copied: leak.md .*symbolic link/,
    );
    expect(existsSync(join(folder('research'), 'shared/other/leak.md'))).toBe(false);
  });
});
