/**
 * A warm Claude agent over several turns: follow-ups queued while a turn runs are each
 * answered (or closed) in order, and compaction archives the conversation first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, text, toolUse, type FakeAnthropic } from '../../../test/fakes/fake-anthropic.js';
import {
  makeWorkspace,
  startCommand,
  startRunner,
  type RunnerHandle,
  type TestWorkspace,
} from './runner-harness.js';

let fake: FakeAnthropic;
let ws: TestWorkspace;
let runner: RunnerHandle;

beforeEach(async () => {
  fake = await startFakeAnthropic();
  ws = makeWorkspace();
  runner = startRunner(ws);
});
afterEach(async () => {
  await runner.close();
  await fake.close();
  ws.remove();
});

describe('warm claude agent', () => {
  it('closes every turn when follow-ups arrive while a turn is still running', async () => {
    // The first turn waits on a tool call we answer only after two follow-ups are queued.
    fake.script(toolUse('mcp__omniclaw__send_message', { text: 'working' }), text('First done.'));
    runner.send(startCommand(ws, fake.url, { prompt: 'first' }));
    const call = await runner.waitFor('tool_call');
    runner.send({ type: 'message', turnId: 'turn-2', text: 'second' });
    runner.send({ type: 'message', turnId: 'turn-3', text: 'third' });
    runner.send({ type: 'tool_result', callId: call.callId, ok: true, content: 'sent' });

    for (const turnId of ['turn-1', 'turn-2', 'turn-3'])
      await runner.waitFor('done', (e) => e.turnId === turnId);
    const done = runner.events.filter((e) => e.type === 'done').map((e) => (e as { turnId: string }).turnId);
    expect(done).toEqual(['turn-1', 'turn-2', 'turn-3']);
    // Every follow-up reached the model.
    const all = JSON.stringify(fake.modelRequests());
    expect(all).toContain('second');
    expect(all).toContain('third');
    expect(runner.events.filter((e) => e.type === 'error')).toEqual([]);
  });

  it('archives the conversation to conversations/ before compacting', async () => {
    fake.script(text('The secret is walrus.'));
    runner.send(startCommand(ws, fake.url, { prompt: 'tell me the secret' }));
    await runner.waitFor('done', (e) => e.turnId === 'turn-1');
    runner.send({ type: 'message', turnId: 'turn-2', text: '/compact' });
    await runner.waitFor('done', (e) => e.turnId === 'turn-2', 30_000);

    const dir = join(ws.agentDir, 'conversations');
    const files = readdirSync(dir).filter((f) => f.endsWith('.md'));
    expect(files).toHaveLength(1);
    const archived = readFileSync(join(dir, files[0]!), 'utf8');
    expect(archived).toContain('tell me the secret');
    expect(archived).toContain('The secret is walrus.');
  });

  it('applies maxTurns to each message, and a turn over the limit ends without ending the run', async () => {
    fake.script(
      toolUse('Bash', { command: 'true' }),
      text('One tool, then done.'),
      toolUse('Bash', { command: 'true' }),
      toolUse('Bash', { command: 'true' }),
      toolUse('Bash', { command: 'true' }),
      text('Fresh turn.'),
    );
    runner.send(startCommand(ws, fake.url, { maxTurns: 2 }));
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
