/**
 * A warm Claude agent over several turns: follow-ups queued while a turn runs are each
 * answered (or closed) in order, and compaction archives the conversation first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { text, toolUse } from '../../../test/fakes/fake-anthropic.js';
import { startCommand, type RunnerHandle } from './runner-harness.js';
import { claudeRunnerFixture } from './claude-fixture.js';

const t = claudeRunnerFixture();
let runner: RunnerHandle;
beforeEach(() => {
  runner = t.launch();
});

describe('warm claude agent', () => {
  it('closes every turn when follow-ups arrive while a turn is still running', async () => {
    // The first turn waits on a tool call we answer only after two follow-ups are queued.
    t.fake.script(toolUse('mcp__omniclaw__send_message', { text: 'working' }), text('First done.'));
    runner.send(startCommand(t.ws, t.fake.url, { prompt: 'first' }));
    const call = await runner.waitFor('tool_call');
    runner.send({ type: 'message', turnId: 'turn-2', text: 'second' });
    runner.send({ type: 'message', turnId: 'turn-3', text: 'third' });
    runner.send({ type: 'tool_result', callId: call.callId, ok: true, content: 'sent' });

    for (const turnId of ['turn-1', 'turn-2', 'turn-3'])
      await runner.waitFor('done', (e) => e.turnId === turnId);
    const done = runner.events.filter((e) => e.type === 'done').map((e) => (e as { turnId: string }).turnId);
    expect(done).toEqual(['turn-1', 'turn-2', 'turn-3']);
    // Every follow-up reached the model.
    const all = JSON.stringify(t.fake.modelRequests());
    expect(all).toContain('second');
    expect(all).toContain('third');
    expect(runner.events.filter((e) => e.type === 'error')).toEqual([]);
  });

  it('archives the conversation to conversations/ before compacting', async () => {
    t.fake.script(text('The secret is walrus.'));
    runner.send(startCommand(t.ws, t.fake.url, { prompt: 'tell me the secret' }));
    await runner.waitFor('done', (e) => e.turnId === 'turn-1');
    runner.send({ type: 'message', turnId: 'turn-2', text: '/compact' });
    await runner.waitFor('done', (e) => e.turnId === 'turn-2', 30_000);

    const dir = join(t.ws.agentDir, 'conversations');
    const files = readdirSync(dir).filter((f) => f.endsWith('.md'));
    expect(files).toHaveLength(1);
    const archived = readFileSync(join(dir, files[0]!), 'utf8');
    expect(archived).toContain('tell me the secret');
    expect(archived).toContain('The secret is walrus.');
  });

  it('applies maxTurns to each message, and a turn over the limit ends without ending the run', async () => {
    t.fake.script(
      toolUse('Bash', { command: 'true' }),
      text('One tool, then done.'),
      toolUse('Bash', { command: 'true' }),
      toolUse('Bash', { command: 'true' }),
      toolUse('Bash', { command: 'true' }),
      text('Fresh turn.'),
    );
    runner.send(startCommand(t.ws, t.fake.url, { maxTurns: 2 }));
    expect(await runner.waitFor('reply', (e) => e.turnId === 'turn-1')).toMatchObject({
      text: 'One tool, then done.',
    });
    runner.send({ type: 'message', turnId: 'turn-2', text: 'loop' });
    const limited = await runner.waitFor('error', (e) => e.turnId === 'turn-2');
    expect(limited).toMatchObject({ fatal: false });
    expect(limited.message).toMatch(/maximum number of turns/);
    await runner.waitFor('done', (e) => e.turnId === 'turn-2');
    runner.send({ type: 'message', turnId: 'turn-3', text: 'again' });
    expect(await runner.waitFor('reply', (e) => e.turnId === 'turn-3')).toMatchObject({
      text: 'Fresh turn.',
    });
  });
});
