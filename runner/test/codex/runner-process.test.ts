/**
 * The codex runtime inside the real runner process (`node runner/dist/runner/src/main.js`): the Codex
 * CLI's MCP calls go through the stdio bridge to the runner and on to the host as tool_call.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  answerToolCalls,
  makeWorkspace,
  startCommand,
  startRunner,
  type RunnerHandle,
  type TestWorkspace,
} from '../claude/runner-harness.js';
import { startFakeResponses, type FakeResponses } from '../../../test/fakes/fake-responses.js';

let api: FakeResponses;
let ws: TestWorkspace;
let runner: RunnerHandle | undefined;

beforeEach(async () => {
  api = await startFakeResponses();
  ws = makeWorkspace();
});
afterEach(async () => {
  await runner?.close();
  runner = undefined;
  await api.close();
  ws.remove();
});

describe('codex runtime in the runner process', () => {
  it('runs a command, round-trips send_message through the host, replies, then answers a follow-up', async () => {
    api.script(
      { kind: 'function_call', name: 'exec_command', arguments: { cmd: 'echo runner-shell' } },
      {
        kind: 'function_call',
        namespace: 'mcp__omniclaw',
        name: 'send_message',
        arguments: { text: 'hi from codex' },
      },
      { kind: 'text', text: 'first reply' },
      { kind: 'text', text: 'second reply' },
    );
    runner = startRunner(ws, { OMNICLAW_MODEL_TIMEOUT_MS: '5000' });
    answerToolCalls(runner, (name) => ({ ok: true, content: `host ran ${name}` }));
    runner.send(
      startCommand(ws, 'unused', {
        runtime: 'codex',
        model: 'fake-model',
        endpoints: { openai: { baseUrl: `${api.url}/v1`, token: 'run-token-xyz' } },
      }),
    );
    await runner.waitFor('ready');
    await runner.waitFor('done', (e) => e.turnId === 'turn-1');
    runner.send({ type: 'message', turnId: 'turn-2', text: 'and again?' });
    await runner.waitFor('done', (e) => e.turnId === 'turn-2');

    expect(runner.events.filter((e) => e.type === 'reply').map((e) => e.text)).toEqual([
      'first reply',
      'second reply',
    ]);
    expect(runner.events.find((e) => e.type === 'tool_call')).toMatchObject({
      name: 'send_message',
      args: { text: 'hi from codex' },
      turnId: 'turn-1',
    });
    expect(runner.events.filter((e) => e.type === 'session')).toHaveLength(1);
    expect(JSON.stringify(api.turns()[2]!.body!.input)).toContain('host ran send_message');
    expect(api.turns()[0]!.authorization).toBe('Bearer run-token-xyz');
    expect(runner.garbage).toEqual([]);
  });
});
