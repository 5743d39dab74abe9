/**
 * Shared context topics through the real host (startApp, SQLite, the agent queue, the echo
 * runner calling the tools): shared topics written by main, topics an agent publishes in
 * its own folder, a symlink planted there, traversal names, requests that reach the main
 * agent, and a flood of requests.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, until, type TestHost } from '../helpers/host.js';
import { ask as askIn, threeAgents, tool } from './agents.js';

let host: TestHost | undefined;
afterEach(async () => {
  await host?.cleanup();
  host = undefined;
});

const config = threeAgents();
const ask = (chat: string, text: string): Promise<string> => askIn(host!, chat, text);

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

describe('shared context topics', () => {
  it('an agent reads a topic main wrote and one another agent published; both are listed with their owner', async () => {
    host = await startTestHost(config);
    const { paths } = host.app;
    write(join(paths.globalMemory, 'context', 'project-overview.md'), 'The project is OmniClaw.');
    write(join(paths.groups, 'research', 'context', 'findings.md'), 'SQLite is enough.');

    expect(await ask('mem:other-chat', tool('read_context', { topic: 'project-overview' }))).toBe(
      'tool ok: # project-overview (owner: main)\n\nThe project is OmniClaw.',
    );
    expect(await ask('mem:other-chat', tool('read_context', { topic: 'research.findings' }))).toBe(
      'tool ok: # research.findings (owner: research)\n\nSQLite is enough.',
    );
    // The owner and the main agent read it too; all three list the same topics.
    expect(await ask('mem:research-chat', tool('read_context', { topic: 'research.findings' }))).toMatch(
      /^tool ok: # research.findings \(owner: research\)/,
    );
    expect(await ask('mem:main-chat', tool('read_context', { topic: 'research.findings' }))).toMatch(
      /^tool ok: # research.findings \(owner: research\)/,
    );
    for (const chat of ['mem:main-chat', 'mem:research-chat', 'mem:other-chat']) {
      const listed = await ask(chat, tool('list_context_topics', {}));
      expect(JSON.parse(listed.replace(/^tool ok: /, ''))).toEqual({
        topics: [
          { topic: 'project-overview', owner: 'main' },
          { topic: 'research.findings', owner: 'research' },
        ],
      });
    }
  });

  it('refuses a symlink an agent planted in its own context folder, a swapped folder, and traversal names; nothing leaks', async () => {
    host = await startTestHost(config);
    const { paths } = host.app;
    writeFileSync(paths.envFile, 'ANTHROPIC_API_KEY=sk-ant-HOSTSECRET\n');
    mkdirSync(join(paths.groups, 'research', 'context'), { recursive: true });
    symlinkSync(paths.envFile, join(paths.groups, 'research', 'context', 'leak.md'));
    mkdirSync(join(paths.groups, 'other'), { recursive: true });
    symlinkSync(paths.home, join(paths.groups, 'other', 'context'));

    expect(await ask('mem:other-chat', tool('read_context', { topic: 'research.leak' }))).toBe(
      'tool error: read_context: topic "research.leak" was refused: "context/leak.md" is or passes through a symlink, which is never followed',
    );
    expect(await ask('mem:research-chat', tool('read_context', { topic: 'other.omniclaw' }))).toMatch(
      /^tool error: read_context: topic "other.omniclaw" was refused: .*symlink/,
    );
    for (const topic of ['../../.env', '/etc/passwd', '..', 'research/../../.env']) {
      expect(await ask('mem:other-chat', tool('read_context', { topic }))).toMatch(
        /^tool error: invalid arguments for read_context: topic: a topic is/,
      );
    }
    expect(await ask('mem:other-chat', tool('list_context_topics', {}))).toMatch(
      /^tool ok: No context topics yet/,
    );
    for (const chat of ['mem:main-chat', 'mem:research-chat', 'mem:other-chat'])
      expect(host.channel.sentTo(chat).join('\n')).not.toContain('HOSTSECRET');
    expect(readFileSync(paths.envFile, 'utf8')).toContain('HOSTSECRET');
  });

  it('a request for a missing topic reaches the main agent in its chat; main is told to write it itself', async () => {
    host = await startTestHost(config);
    expect(
      await ask(
        'mem:research-chat',
        tool('request_context', {
          description: 'I need the release plan',
          requested_topics: ['release-plan'],
        }),
      ),
    ).toBe(
      'tool ok: Asked the main agent (in mem:main-chat); read_context will show the topic once it is written.',
    );
    const answered = await until(() => host!.channel.sentTo('mem:main-chat')[0], 20_000, 'main answers');
    expect(answered).toContain('Context request from agent "research"');
    expect(answered).toContain('I need the release plan');
    expect(answered).toContain('Topics asked for: release-plan');
    const stored = host.app.store.messages.after('mem:main-chat', 0, 10);
    expect(stored).toEqual([expect.objectContaining({ senderId: 'agent:research', fromBot: false })]);

    expect(
      await ask('mem:main-chat', tool('request_context', { description: 'x', requested_topics: ['a'] })),
    ).toBe(
      'tool ok: You are the main agent: write shared topics yourself as /workspace/global/context/<topic>.md (a).',
    );
  });

  it('a flood of context requests is cut after ten an hour, and main is woken only for those ten', async () => {
    host = await startTestHost(config);
    const answers: string[] = [];
    for (let i = 0; i < 12; i++)
      answers.push(await ask('mem:research-chat', tool('request_context', { description: `request ${i}` })));
    expect(answers.filter((a) => a.startsWith('tool ok: Asked the main agent'))).toHaveLength(10);
    expect(answers.slice(10)).toEqual([
      'tool error: request_context: too many context requests from you in the last hour; wait for the answers to the earlier ones',
      'tool error: request_context: too many context requests from you in the last hour; wait for the answers to the earlier ones',
    ]);
    expect(
      host.app.store.messages.after('mem:main-chat', 0, 100).filter((m) => m.senderId === 'agent:research'),
    ).toHaveLength(10);
  });
});
