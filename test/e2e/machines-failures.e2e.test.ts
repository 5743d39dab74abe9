/**
 * When machines fail (issue 15): the SSH connection cut in the middle of a run, a machine
 * down when a run starts, and label routing to the next machine that carries the labels.
 * Real sshd on 127.0.0.1, a real remote instance running bwrap, the fake model on this side.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { startTestHost, until, type TestHost } from '../helpers/host.js';
import { startRemoteMachine, type RemoteMachine } from '../helpers/sshd.js';

const processesMatching = (marker: string): string[] =>
  execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.includes('ps -eo'));

describe('machines that fail', () => {
  let remote: RemoteMachine;
  let gone: RemoteMachine;
  let api: FakeOpenAI;
  let host: TestHost;

  beforeAll(async () => {
    remote = await startRemoteMachine();
    // A machine that existed and is now down: its port answers nothing.
    gone = await startRemoteMachine();
    await gone.stop();
    api = await startFakeOpenAI();
    host = await startTestHost(
      `
models:
  openai: { baseUrl: "${api.url}/v1", apiKey: sk-openai-failures-0123456789 }
queue: { retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 } }
machines:
  - ${gone.entry('gone', 'labels: [gpu]')}
  - ${remote.entry('box', 'labels: [gpu]')}
agents:
  - { id: main, main: true, sandbox: none }
  - { id: cut, runtime: openai, model: fake-model, runsOn: { machine: box } }
  - { id: lost, runtime: openai, model: fake-model, runsOn: { machine: gone } }
  - { id: fallback, runtime: openai, model: fake-model, runsOn: { labels: [gpu] } }
routes:
  - { chat: "mem:cut", agent: cut, requiresTrigger: false }
  - { chat: "mem:lost", agent: lost, requiresTrigger: false }
  - { chat: "mem:fallback", agent: fallback, requiresTrigger: false }
`,
      { backendFor: undefined, runner: undefined, gateway: true },
    );
  });

  afterAll(async () => {
    await host?.cleanup();
    await api?.close();
    await remote?.close();
    await gone?.close();
  });

  it('a machine down at start: the chat hears which machine and what to run', async () => {
    host.channel.receive('mem:lost', 'are you there?');
    const [notice] = await until(
      () => (host.channel.sentTo('mem:lost').length ? host.channel.sentTo('mem:lost') : undefined),
      60_000,
      'the failure notice',
    );
    expect(notice).toBe(
      'Sorry, the machine "gone" I run on did not answer, so I could not answer. `omniclaw machines check gone` on the main machine says why.',
    );
    expect(host.channel.sentTo('mem:lost')).toHaveLength(1);
    expect(api.completions()).toHaveLength(0);
  }, 90_000);

  it('label routing falls back to the next healthy machine with the labels', async () => {
    api.script({ kind: 'text', text: 'Answered by the second machine.' });
    host.channel.receive('mem:fallback', 'hello');
    await until(() => host.channel.sentTo('mem:fallback').length > 0, 60_000, 'the reply');
    expect(host.channel.sentTo('mem:fallback')).toEqual(['Answered by the second machine.']);
    const machines = Object.fromEntries(host.app.machines.status().map((m) => [m.name, m.state]));
    expect(machines).toEqual({ gone: 'down', box: 'up' });
  }, 90_000);

  it('the SSH connection cut mid-run: the run fails cleanly, is retried, answered once', async () => {
    const marker = `61.${Math.floor(Math.random() * 1e6)}`;
    api.script(
      {
        kind: 'tool_calls',
        calls: [{ id: 'call_wait', name: 'bash', arguments: { command: `sleep ${marker}` } }],
      },
      { kind: 'text', text: 'Answered after the cut.' },
    );
    const before = host.app.store.runs.recent(100).length;
    const modelCallsBefore = api.completions().length;
    host.channel.receive('mem:cut', 'take your time');
    await until(() => processesMatching(`sleep ${marker}`).length > 0, 60_000, 'the remote tool call');
    remote.cutConnections();

    await until(() => host.channel.sentTo('mem:cut').length > 0, 60_000, 'the retried reply');
    // Nothing doubled: one reply, and the retry did not run the model turn of the lost run again.
    await new Promise((r) => setTimeout(r, 500));
    expect(host.channel.sentTo('mem:cut')).toEqual(['Answered after the cut.']);
    const runs = host.app.store.runs.recent(100).slice(0, host.app.store.runs.recent(100).length - before);
    // The cut run failed (ssh's exit 255); a retry answered (and may still be warm). The engine
    // session the cut run started never reached the remote's disk, so a retry may first find
    // it gone and start fresh: that is a failed run too, not a second answer.
    const [last, ...earlier] = runs.map((r) => r.status);
    expect(last).toMatch(/^(ok|running)$/);
    expect(earlier.length).toBeGreaterThanOrEqual(1);
    expect(earlier.every((status) => status === 'failed')).toBe(true);
    expect(runs.at(-1)!.error).toMatch(/exited \(code 255\)/);
    // Any other failed attempt is only that fresh-session restart: no retry reached a dead
    // connection (the master is ended as soon as a run's session is lost).
    for (const run of runs.slice(1, -1))
      expect(run.error).toMatch(/cannot resume: session .* does not exist/);
    expect(api.completions().length - modelCallsBefore).toBe(2);
    // The remote side cleaned up: the cut run's sandbox did not outlive its connection.
    await until(() => processesMatching(`sleep ${marker}`).length === 0, 20_000, 'the remote sandbox to end');
  }, 120_000);
});
