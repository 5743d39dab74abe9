/**
 * delegate_task end to end, per isolating backend: the real CLI, host, sandbox, runner and
 * Claude Agent SDK engine, scripted by the fake model. The helper delegates a question to
 * the main agent (a pair in multiAgent.delegate); main answers it in a delegated run of its
 * own (its chat and session untouched), and the answer comes back into the helper's chat,
 * where it starts a helper run that reads it. The main agent's private notes never reach
 * the helper's requests. A file the helper attaches is in main's sandbox, at
 * /workspace/agent/shared/helper/, when main's delegated run starts.
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

describe.each(['bwrap', 'docker'] as const)('delegation through %s', (sandbox) => {
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
        'multiAgent:',
        '  delegate:',
        '    - { from: helper, to: main }',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await app?.stop();
    await world?.close();
  });

  it('the helper delegates to main and gets the answer back as a message', async () => {
    const call = `toolu_delegate_${sandbox}`;
    world.model.script(
      toolUse(call, 'mcp__omniclaw__delegate_task', { description: 'On which day is the release?' }),
      text('Asked the main agent.'),
      // The main agent's delegated run.
      text('The release is on Friday.'),
      // The helper's run started by the answer.
      text('Main says: Friday.'),
    );
    const helper = await omniclaw(
      world,
      ['chat', '-a', 'helper', '-m', 'ask main about the release'],
      240_000,
    );
    expect(helper.stdout, JSON.stringify(helper)).toContain('Asked the main agent.');
    expect((await toolResultFor(world.model, call)).text).toMatch(/^Delegated to "main" as d-[0-9a-f]{6}/);

    const delegated = await world.model.waitForRequest(
      (r) => JSON.stringify(r.body).includes('<delegated_task'),
      120_000,
    );
    expect(JSON.stringify(delegated.body)).toContain('On which day is the release?');
    const back = await world.model.waitForRequest(
      (r) =>
        JSON.stringify(r.body).includes('Result of delegation') && JSON.stringify(r.body).includes('Friday'),
      120_000,
    );
    const body = JSON.stringify(back.body);
    expect(body).toContain('The release is on Friday.');
    expect(body).not.toContain(world.markers.main);
    expect(body).not.toContain(world.key);

    const mainRuns = app.store.runs.recent().filter((r) => r.agent === 'main');
    expect(mainRuns.map((r) => r.kind)).toEqual(['delegation']);
    const mainChat = app.config.routes.find((r) => r.agent === 'main')!.chat;
    expect(app.store.messages.after(mainChat, 0, 100)).toEqual([]);
    expect(app.delegation.status().delegations).toMatchObject({
      counts: { done: 1 },
      recent: [{ from: 'helper', to: 'main', status: 'done', depth: 1 }],
    });
    expect(await app.metrics.registry.metrics()).toContain(
      'omniclaw_delegations_total{from="helper",to="main",outcome="done"} 1',
    );
  }, 600_000);

  it("a file the helper attaches is in main's sandbox under shared/helper/ when its run starts", async () => {
    const call = `toolu_delegate_file_${sandbox}`;
    const read = `toolu_cat_${sandbox}`;
    world.model.script(
      toolUse(call, 'mcp__omniclaw__delegate_task', {
        description: 'Check my notes.',
        files: ['notes.txt'],
      }),
      text('Sent main my notes.'),
      // The main agent's delegated run reads the attached file inside its sandbox.
      toolUse(read, 'Bash', { command: 'cat /workspace/agent/shared/helper/notes.txt' }),
      text('Your notes are fine.'),
      // The helper's run started by the answer.
      text('Main checked them.'),
    );
    const helper = await omniclaw(world, ['chat', '-a', 'helper', '-m', 'have main check my notes'], 240_000);
    expect(helper.stdout, JSON.stringify(helper)).toContain('Sent main my notes.');
    expect((await toolResultFor(world.model, call)).text).toMatch(
      /Your files were copied into its shared\/helper\/\./,
    );
    // The helper's own notes (it chose to share them) as main's sandbox reads them.
    expect((await toolResultFor(world.model, read)).text).toContain(world.markers.helper);
    const delegated = await world.model.waitForRequest(
      (r) => JSON.stringify(r.body).includes('attached files, copied into your folder'),
      120_000,
    );
    expect(JSON.stringify(delegated.body)).toContain('shared/helper/notes.txt');
    await world.model.waitForRequest((r) => JSON.stringify(r.body).includes('Your notes are fine.'), 120_000);
  }, 600_000);
});
