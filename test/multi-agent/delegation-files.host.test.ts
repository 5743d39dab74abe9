/**
 * delegate_task with files, through the real host (echo runner): the files the requester
 * attaches are copied into the target's shared/<from>/ before the target's run starts (its
 * run reads them there), after the operator's approval when the pair needs one; the target
 * is told where they are. A path with "..", an absolute path, a symlink to a host secret or
 * files over multiAgent.sharing.maxBytes are refused as the tool's error with nothing
 * delegated or copied; a file swapped for a symlink between the request and the approval
 * fails the delegation, copies nothing, and the requester is told.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { ask, folderOf, pairedAgents, seenIn, tool, toolAnswer, writeIn } from './agents.js';

let host: TestHost | undefined;
afterEach(async () => {
  await host?.cleanup();
  host = undefined;
});

const delegate = (args: Record<string, unknown>): string => tool('delegate_task', args);
const folder = (id: string): string => folderOf(host!, id);
const seen = (chat: string, what: string | RegExp): Promise<string> => seenIn(host!, chat, what);
const mainRuns = () => host!.app.store.runs.recent().filter((r) => r.agent === 'main');

describe('delegate_task with files', () => {
  it("copies the files into the target's shared/<from>/ before its run, which reads them there", async () => {
    host = await startTestHost(pairedAgents());
    writeIn(host, 'research', 'reports/q3.md', 'quarter three');
    // Main's delegated run sends the attached file from its own folder: it is there when the run starts.
    const answer = await ask(
      host,
      'mem:research-chat',
      delegate({
        description: tool('send_file', { path: 'shared/research/q3.md', caption: 'got it' }),
        files: ['reports/q3.md'],
      }),
      toolAnswer,
    );
    expect(answer).toMatch(
      /^tool ok: Delegated to "main" as d-[0-9a-f]{6}; .* Your files were copied into its shared\/research\/\.$/,
    );
    expect(readFileSync(join(folder('main'), 'shared/research/q3.md'), 'utf8')).toBe('quarter three');
    const back = await seen(
      'mem:research-chat',
      /^echo: Result of delegation d-[0-9a-f]{6} from agent "main":/,
    );
    expect(back).toMatch(/tool ok: Sent/);
    expect(mainRuns().map((r) => r.kind)).toEqual(['delegation']);
  });

  it('an unpaired delegation copies its files only after approve; the request shows them and their size', async () => {
    host = await startTestHost(pairedAgents());
    writeIn(host, 'other', 'data/table.csv', 'a,b\n1,2\n');
    const answer = await ask(
      host,
      'mem:other-chat',
      delegate({ description: 'Sum the table', files: ['data/table.csv'] }),
      toolAnswer,
    );
    const id = /d-[0-9a-f]{6}/.exec(answer)![0];
    const request = await seen('mem:main-chat', `Reply "approve ${id}"`);
    expect(request).toContain(
      `With files from "other" (into "main"'s shared/other/, 8 bytes): data/table.csv`,
    );
    const landed = join(folder('main'), 'shared/other/table.csv');
    expect(existsSync(landed)).toBe(false);
    host.channel.receive('mem:main-chat', `approve ${id}`);
    await seen('mem:main-chat', `Approved ${id}: "main" is working on it for "other".`);
    expect(readFileSync(landed, 'utf8')).toBe('a,b\n1,2\n');
    // The echo runner answers with its prompt: the note on where the files are came with it.
    const back = await seen('mem:other-chat', /^echo: Result of delegation d-[0-9a-f]{6} from agent "main":/);
    expect(back).toContain(
      '"other" attached files, copied into your folder (/workspace/agent) before this run: shared/other/table.csv',
    );
  });

  it('refuses "..", an absolute path, a symlink to a host secret and too many bytes: nothing delegated or copied', async () => {
    host = await startTestHost(pairedAgents('  sharing: { maxBytes: 16 }'));
    const secret = join(host.home, 'host-secret.txt');
    writeFileSync(secret, 'TOP SECRET');
    mkdirSync(folder('research'), { recursive: true });
    symlinkSync(secret, join(folder('research'), 'leak.md'));
    writeIn(host, 'research', 'big.txt', 'x'.repeat(17));
    writeIn(host, 'research', 'a.txt', 'twelve bytes');
    writeIn(host, 'research', 'b.txt', 'twelve bytes');
    const cases: [string[], RegExp][] = [
      // The argument schema refuses these before the tool runs.
      [
        ['../main/CLAUDE.md'],
        /invalid arguments for delegate_task: files\.0: a file is a path relative to your folder/,
      ],
      [
        ['/etc/passwd'],
        /invalid arguments for delegate_task: files\.0: a file is a path relative to your folder/,
      ],
      [['leak.md'], /nothing was delegated or copied: leak\.md .*symbolic link, which is never followed/],
      [
        ['big.txt'],
        /nothing was delegated or copied: big\.txt .*over its limit of 16 bytes \(multiAgent\.sharing\.maxBytes\)/,
      ],
      [['a.txt', 'b.txt'], /nothing was delegated or copied: b\.txt .*over its limit of 16 bytes/],
    ];
    for (const [files, reason] of cases)
      expect(await ask(host, 'mem:research-chat', delegate({ description: 'x', files }), toolAnswer)).toMatch(
        reason,
      );
    expect(existsSync(join(folder('main'), 'shared'))).toBe(false);
    expect(host.app.delegation.status().delegations.recent).toEqual([]);
    expect(mainRuns()).toEqual([]);
    expect(await host.app.metrics.registry.metrics()).toContain(
      'omniclaw_delegations_total{from="research",to="main",outcome="refused"} 3',
    );
  });

  it('a file swapped for a symlink before the approval fails the delegation with nothing copied', async () => {
    host = await startTestHost(pairedAgents());
    writeIn(host, 'other', 'notes.md', 'harmless');
    const answer = await ask(
      host,
      'mem:other-chat',
      delegate({ description: 'read my notes', files: ['notes.md'] }),
      toolAnswer,
    );
    const id = /d-[0-9a-f]{6}/.exec(answer)![0];
    await seen('mem:main-chat', `Reply "approve ${id}"`);
    const secret = join(host.home, 'host-secret.txt');
    writeFileSync(secret, 'TOP SECRET');
    rmSync(join(folder('other'), 'notes.md'));
    symlinkSync(secret, join(folder('other'), 'notes.md'));
    host.channel.receive('mem:main-chat', `approve ${id}`);
    await seen(
      'mem:main-chat',
      `Approved ${id}, but Delegation ${id} to "main" failed, its files were not copied`,
    );
    await seen(
      'mem:other-chat',
      /^echo: Delegation d-[0-9a-f]{6} to "main" failed, its files were not copied: notes\.md .*symbolic link/,
    );
    expect(existsSync(join(folder('main'), 'shared'))).toBe(false);
    expect(mainRuns()).toEqual([]);
    expect(host.app.delegation.status().delegations.recent[0]).toMatchObject({ id, status: 'failed' });
  });
});
