/**
 * A runner fed malformed, oversized or nonsensical protocol lines ends cleanly with an error
 * event and a non-zero exit, never a hang; harmless oddities (a stale tool result) are
 * reported and the run goes on.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES } from '../../../src/protocol/runner-protocol.js';
import { text, toolUse } from '../../../test/fakes/fake-anthropic.js';
import { childPids, processesGone, startCommand, type RunnerHandle } from './runner-harness.js';
import { claudeRunnerFixture } from './claude-fixture.js';

const t = claudeRunnerFixture();
let runner: RunnerHandle;
beforeEach(() => {
  runner = t.launch();
});

const fatalLines: { name: string; line: () => string; expected: RegExp }[] = [
  { name: 'a line that is not JSON', line: () => '{"type": "start", oops\n', expected: /not JSON/ },
  {
    name: 'an unknown command type',
    line: () => '{"type":"launch_missiles"}\n',
    expected: /invalid message/,
  },
  { name: 'a start without its fields', line: () => '{"type":"start","v":1}\n', expected: /invalid message/ },
  {
    name: 'a wrong protocol version',
    line: () => `${JSON.stringify({ ...startCommand(t.ws, t.fake.url), v: 99 })}\n`,
    expected: /invalid message: v/,
  },
  {
    name: 'a message before start',
    line: () => '{"type":"message","turnId":"t","text":"hi"}\n',
    expected: /before "start"/,
  },
  {
    name: 'an oversized line with no newline',
    line: () => 'x'.repeat(MAX_LINE_BYTES + 10),
    expected: /exceeds the \d+-byte limit/,
  },
];

describe('runner protocol, hostile input', () => {
  for (const { name, line, expected } of fatalLines) {
    it(`fails the run with an error event and exits non-zero on ${name}`, async () => {
      runner.sendRaw(line());
      const error = await runner.waitFor('error', undefined, 10_000);
      expect(error.fatal).toBe(true);
      expect(error.message).toMatch(expected);
      const exit = await runner.exited;
      expect(exit.code).toBe(2);
      expect(runner.garbage).toEqual([]);
    });
  }

  it('reports a tool_result for an unknown call id without ending the run', async () => {
    runner.send({ type: 'tool_result', callId: 'call-999', ok: true, content: 'made up' });
    const error = await runner.waitFor('error');
    expect(error).toMatchObject({ fatal: false });
    expect(error.message).toMatch(/call-999.*not waiting/);
    runner.send({ type: 'stop' });
    expect((await runner.exited).code).toBe(0);
  });

  it('exits cleanly when the host closes stdin', async () => {
    runner.child.stdin.end();
    expect((await runner.exited).code).toBe(0);
  });

  it('ends a live run, engine included, on an invalid line, and says nothing after the error', async () => {
    t.fake.script(toolUse('mcp__omniclaw__send_message', { text: 'hi' }), text('unreachable'));
    runner.send(startCommand(t.ws, t.fake.url));
    await runner.waitFor('tool_call');
    const engine = childPids(runner.child.pid!);
    expect(engine).toHaveLength(1);
    runner.sendRaw('not json at all\n');
    const error = await runner.waitFor('error');
    expect(error).toMatchObject({ fatal: true });
    expect((await runner.exited).code).toBe(2);
    expect(runner.events[runner.events.length - 1]).toBe(error);
    expect(await processesGone(engine)).toBe(true);
  });

  it('fails the run when start is sent twice', async () => {
    runner.send(startCommand(t.ws, t.fake.url));
    runner.send(startCommand(t.ws, t.fake.url));
    const error = await runner.waitFor('error');
    expect(error.message).toMatch(/"start" twice/);
    expect((await runner.exited).code).toBe(2);
  });

  it('fails to start, clearly, without an anthropic endpoint', async () => {
    runner.send(startCommand(t.ws, t.fake.url, { endpoints: {} }));
    const error = await runner.waitFor('error');
    expect(error.message).toMatch(/claude runtime.*no anthropic endpoint/);
    expect((await runner.exited).code).toBe(1);
  });

  it('reports an engine that dies mid-run and exits instead of hanging', async () => {
    t.fake.script(toolUse('mcp__omniclaw__send_message', { text: 'hi' }));
    runner.send(startCommand(t.ws, t.fake.url));
    await runner.waitFor('tool_call');
    const [engine] = childPids(runner.child.pid!);
    process.kill(engine!, 'SIGKILL');
    const error = await runner.waitFor('error');
    expect(error).toMatchObject({ fatal: true });
    expect(error.message).toMatch(/Claude engine of agent "Andy"/);
    expect((await runner.exited).code).toBe(1);
  });

  it('exits and takes the engine down when the host goes away mid-run', async () => {
    t.fake.script(toolUse('mcp__omniclaw__send_message', { text: 'hi' }));
    runner.send(startCommand(t.ws, t.fake.url));
    await runner.waitFor('tool_call');
    const engine = childPids(runner.child.pid!);
    runner.child.stdin.end();
    expect((await runner.exited).code).toBe(0);
    expect(await processesGone(engine)).toBe(true);
  });
});
