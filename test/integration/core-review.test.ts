/**
 * Regression tests from a review of the host core (queue, run, outbox, intake, control
 * socket): each one pins down a race or protocol edge the hot path must survive without
 * losing or doubling an answer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NoSandbox } from '../../src/sandbox/none.js';
import type { AgentProcess, SandboxBackend, SandboxSpec } from '../../src/sandbox/types.js';
import { startTestHost, until, type TestHost } from '../helpers/host.js';

let host: TestHost | undefined;
afterEach(async () => {
  await host?.cleanup();
  host = undefined;
});

const routes = (extra = ''): string => `
agents:
  - { id: main, main: true, sandbox: none }
  - { id: helper, name: Helper, sandbox: none }
routes:
  - { chat: "mem:main-chat", agent: main }
  - { chat: "mem:other-chat", agent: main }
  - { chat: "mem:open", agent: helper, requiresTrigger: false }
${extra}`;

const cursorOf = (h: TestHost, agent: string, chat: string): number =>
  h.app.store.cursors.get(agent, chat) ?? 0;

/** A real `none` sandbox whose start waits for the test to open a gate (a slow docker start). */
class GatedSandbox implements SandboxBackend {
  readonly kind = 'none' as const;
  readonly mapsPaths = false;
  readonly started: AgentProcess[] = [];
  startCalls = 0;
  private readonly inner = new NoSandbox();
  private openGate!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.openGate = resolve));

  detect = (): ReturnType<SandboxBackend['detect']> => this.inner.detect();

  async start(spec: SandboxSpec): Promise<AgentProcess> {
    this.startCalls++;
    await this.gate;
    const process = await this.inner.start(spec);
    this.started.push(process);
    return process;
  }

  open(): void {
    this.openGate();
  }
}

describe('host core review', () => {
  it('ignores a `done` for a turn id it never sent: the cursor waits for the real reply', async () => {
    host = await startTestHost(routes());
    const { messageId } = host.channel.receive('mem:main-chat', '!bogusdone !slow:1000');
    await until(() => cursorOf(host!, 'main', 'mem:main-chat') >= messageId!, 10_000, 'cursor advance');
    // The cursor and the reply move in one transaction: when one is there, so is the other.
    expect(host.app.store.outbox.counts().pending + host.app.store.outbox.counts().sent).toBe(1);
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1, 10_000, 'reply');
    expect(host.channel.sentTo('mem:main-chat')).toEqual(['echo: !bogusdone !slow:1000 (1 messages)']);
  });

  it('does not count a reply that comes after its turn is done as the answer of a later turn', async () => {
    host = await startTestHost(routes());
    const first = host.channel.receive('mem:main-chat', '!latereply:800');
    await until(() => cursorOf(host!, 'main', 'mem:main-chat') >= first.messageId!, 10_000, 'first done');
    const second = host.channel.receive('mem:main-chat', '!slow:2500 second');
    await until(() => host!.channel.sentTo('mem:main-chat').includes('late reply'), 10_000, 'late reply');
    // The second message is still being worked on: nothing may mark it answered yet.
    expect(cursorOf(host, 'main', 'mem:main-chat')).toBeLessThan(second.messageId!);
    await until(() => host!.channel.sentTo('mem:main-chat').length === 2, 10_000, 'second reply');
    expect(cursorOf(host, 'main', 'mem:main-chat')).toBe(second.messageId);
  });

  it('executes no tool call that arrives after the run failed (a retry would repeat it)', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:main-chat', '!fataltool:send_message:{"text":"side effect"}');
    await until(
      () => host!.channel.sentTo('mem:main-chat').some((t) => t.startsWith('Sorry')),
      15_000,
      'the apology after the last attempt',
    );
    expect(host.channel.sentTo('mem:main-chat').filter((t) => t === 'side effect')).toEqual([]);
  });

  it('leaves no runner behind when shutdown stops a run whose sandbox is still starting', async () => {
    const sandbox = new GatedSandbox();
    host = await startTestHost(routes('queue: { drainTimeoutMs: 50 }'), {
      backendFor: async () => sandbox,
    });
    host.channel.receive('mem:main-chat', 'hello');
    await until(() => sandbox.startCalls === 1, 10_000, 'sandbox start');
    await host.app.stop();
    sandbox.open();
    await until(() => sandbox.started.length === 1, 10_000, 'the late sandbox');
    const exited = await Promise.race([
      sandbox.started[0]!.exited.then(() => 'exited'),
      new Promise((r) => setTimeout(() => r('still running'), 5_000)),
    ]);
    if (exited !== 'exited') await sandbox.started[0]!.kill('killed');
    expect(exited).toBe('exited');
  });

  it('starts the waiting agent once the idle warm run holding the only slot is evicted', async () => {
    host = await startTestHost(routes('queue: { maxConcurrent: 1, idleTimeoutMs: 60000 }'));
    host.channel.receive('mem:main-chat', 'first');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1, 10_000, 'main reply');
    await until(() => host!.app.queue.stats().warm === 1, 10_000, 'main warm');
    host.channel.receive('mem:open', 'for the helper');
    await until(() => host!.channel.sentTo('mem:open').length === 1, 10_000, 'helper reply');
    expect(host.channel.sentTo('mem:open')).toEqual(['echo: for the helper (1 messages)']);
    expect(host.app.queue.stats().running).toBe(1);
  });

  it('answers chat B of an agent that is busy with chat A, once A is done', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:main-chat', '!slow:400 for A');
    await until(() => host!.app.queue.stats().running === 1, 10_000, 'run for A');
    host.channel.receive('mem:other-chat', 'for B');
    await until(() => host!.channel.sentTo('mem:other-chat').length === 1, 10_000, 'reply in B');
    expect(host.channel.sentTo('mem:main-chat')).toEqual(['echo: !slow:400 for A (1 messages)']);
    expect(host.channel.sentTo('mem:other-chat')).toEqual(['echo: for B (1 messages)']);
  });
});
