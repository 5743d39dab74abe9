/**
 * Runs one Codex turn (a command and an agent tool call) against the fake Responses API and
 * exits. codex-network.test.ts runs this inside an empty network namespace under strace to
 * see every connection Codex attempts.
 */
import { createCodexRuntime } from '../../src/runtimes/codex.js';
import { startFakeResponses } from '../../../test/fakes/fake-responses.js';
import { RecordingSink } from '../openai/recording-sink.js';
import { makeWorkspace, startCommand } from '../openai/fixtures.js';

const api = await startFakeResponses();
const ws = makeWorkspace('omniclaw-netprobe-');
api.script(
  { kind: 'function_call', name: 'exec_command', arguments: { cmd: 'echo probe' } },
  { kind: 'function_call', namespace: 'mcp__omniclaw', name: 'send_message', arguments: { text: 'x' } },
  { kind: 'text', text: 'done' },
);
const sink = new RecordingSink();
const runtime = createCodexRuntime({ idleTimeoutMs: 10_000, baseEnv: { ...process.env, HOME: ws.root } });
await runtime.start(startCommand('codex', ws, `${api.url}/v1`), sink);
await sink.waitForDone('turn-1', 60_000);
await runtime.stop();
await api.close();
ws.cleanup();
const replied = sink.of('reply').some((r) => r.text === 'done');
process.stdout.write(replied ? 'PROBE-OK\n' : `PROBE-FAILED ${JSON.stringify(sink.events)}\n`);
