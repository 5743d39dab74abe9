/**
 * Shared context end to end, per isolating backend: the real CLI, host, sandbox, runner and
 * Claude Agent SDK engine, scripted by the fake model. The main agent writes a topic with
 * Bash inside its sandbox; a second agent reads it with read_context, is refused the
 * symlink it planted in its own context folder (pointing at the instance .env), and asks
 * for a missing topic, which reaches the main agent's chat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { text, type FakeReply } from '../fakes/fake-anthropic.js';
import { createE2eWorld, omniclaw, startE2eApp, toolResultFor, type E2eWorld } from './helpers.js';

const toolUse = (id: string, name: string, input: unknown): FakeReply => ({
  kind: 'tool_use',
  id,
  name,
  input,
});

describe.each(['bwrap', 'docker'] as const)('shared context through %s', (sandbox) => {
  let world: E2eWorld;
  let app: App;

  beforeAll(async () => {
    world = await createE2eWorld();
    app = await startE2eApp(
      world,
      [
        'agents:',
        `  - { id: main, main: true, sandbox: ${sandbox} }`,
        `  - { id: helper, name: Helper, sandbox: ${sandbox} }`,
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await app?.stop();
    await world?.close();
  });

  it('a topic main wrote is read by the helper; its planted symlink is refused; a missing topic reaches main', async () => {
    world.model.script(
      toolUse(`toolu_write_${sandbox}`, 'Bash', {
        command:
          'mkdir -p /workspace/global/context && printf "Release on Friday." > /workspace/global/context/release-plan.md && echo written',
      }),
      text('Topic written.'),
    );
    const wrote = await omniclaw(world, ['chat', '-m', 'write the release plan topic'], 240_000);
    expect(wrote.stdout).toContain('Topic written.');

    const ids = {
      plant: `toolu_plant_${sandbox}`,
      read: `toolu_read_${sandbox}`,
      leak: `toolu_leak_${sandbox}`,
    };
    const ask = `toolu_ask_${sandbox}`;
    world.model.script(
      toolUse(ids.plant, 'Bash', {
        command: `mkdir -p /workspace/agent/context && ln -s ${world.paths.envFile} /workspace/agent/context/leak.md && echo planted`,
      }),
      toolUse(ids.read, 'mcp__omniclaw__read_context', { topic: 'release-plan' }),
      toolUse(ids.leak, 'mcp__omniclaw__read_context', { topic: 'helper.leak' }),
      toolUse(ask, 'mcp__omniclaw__request_context', {
        description: 'What is the budget?',
        requested_topics: ['budget'],
      }),
      // The main agent's run (woken by the request) may take either of these.
      text('Done.'),
      text('Done.'),
    );
    const helper = await omniclaw(world, ['chat', '-a', 'helper', '-m', 'read the release plan'], 240_000);
    expect(helper.stdout, JSON.stringify(helper)).toContain('Done.');

    expect((await toolResultFor(world.model, ids.plant)).text).toContain('planted');
    expect(await toolResultFor(world.model, ids.read)).toMatchObject({
      isError: false,
      text: expect.stringMatching(/^# release-plan \(owner: main\)\n\nRelease on Friday\./),
    });
    const leak = await toolResultFor(world.model, ids.leak);
    expect(leak.isError).toBe(true);
    expect(leak.text).toMatch(/symlink, which is never followed/);
    expect(JSON.stringify(world.model.requests.map((r) => r.body))).not.toContain(world.key);
    expect((await toolResultFor(world.model, ask)).text).toMatch(/^Asked the main agent/);
    const mainChat = app.config.routes.find((r) => r.agent === 'main')!.chat;
    const request = app.store.messages.after(mainChat, 0, 100).find((m) => m.senderId === 'agent:helper');
    expect(request?.text).toContain('What is the budget?');
  }, 600_000);
});
