/**
 * Regression tests from a review of the host core (queue, run, outbox, intake, control
 * socket): each one pins down a race or protocol edge the hot path must survive without
 * losing or doubling an answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/core/outbox.js';
import { MAX_INBOUND_TEXT } from '../../src/domain/inbound-text.js';
import { silentLogger } from '../../src/observability/logger.js';
import { NoSandbox } from '../../src/sandbox/none.js';
import { openStore } from '../../src/store/index.js';
import { MemoryChannel } from '../helpers/memory-channel.js';
import type { AgentProcess, SandboxBackend, SandboxSpec } from '../../src/sandbox/types.js';
import { startTestHost, until, type TestHost } from '../helpers/host.js';
import { cli, makeInstance, startDaemon } from '../helpers/daemon.js';
import { middayZone } from '../helpers/midday-zone.js';

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
  it('stores an over-long text cut, with the notice the channels use, and answers it', async () => {
    host = await startTestHost(routes());
    const length = MAX_INBOUND_TEXT + 5_000;
    const { messageId } = host.channel.receive('mem:open', 'x'.repeat(length));
    expect(host.app.store.messages.get(messageId!)?.text).toBe(
      `${'x'.repeat(MAX_INBOUND_TEXT)}\n[… 5000 more characters cut]`,
    );
    await until(() => cursorOf(host!, 'helper', 'mem:open') >= messageId!, 10_000, 'answered');
  });

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

  it('does not let a busy chat A keep its agent from chat B, which asked first', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:main-chat', '!slow:600 A1');
    await until(() => host!.app.queue.stats().running === 1, 10_000, 'run for A');
    host.channel.receive('mem:other-chat', 'B1');
    await new Promise((r) => setTimeout(r, 100));
    host.channel.receive('mem:main-chat', '!slow:600 A2');
    await until(() => host!.channel.sent.length === 3, 15_000, 'three replies');
    // B1 waited since before A2 arrived: it is answered first.
    expect(host.channel.sent.map((s) => s.text)).toEqual([
      'echo: !slow:600 A1 (1 messages)',
      'echo: B1 (1 messages)',
      'echo: !slow:600 A2 (1 messages)',
    ]);
  });

  it('refuses over budget only after the turns in flight are answered, never covering them', async () => {
    host = await startTestHost(`
instance: { timezone: ${middayZone()} }
agents:
  - { id: main, main: true, sandbox: none, budget: { dailyTokens: 10 } }
routes:
  - { chat: "mem:x", agent: main }
`);
    host.channel.receive('mem:x', '!slow:300 first');
    await until(() => host!.app.queue.activeRuns()[0]?.state === 'busy', 10_000, 'a busy run');
    const second = host.channel.receive('mem:x', '!slow:1500 second');
    await until(() => host!.channel.sentTo('mem:x').length === 1, 10_000, 'first reply');
    // The turn's usage is recorded when its `done` arrives, after the reply: from then on the
    // budget is spent (before it, "third" would be answered as a turn of its own).
    const used = (): number => {
      const totals = host!.app.store.runs.usageSince('main', 0);
      return totals.inputTokens + totals.outputTokens;
    };
    await until(() => used() >= 10, 10_000, 'budget now spent');
    host.channel.receive('mem:x', 'third');
    await new Promise((r) => setTimeout(r, 300));
    // "second" is still being answered: the cursor must not pass it before its reply is stored.
    expect(cursorOf(host, 'main', 'mem:x')).toBeLessThan(second.messageId!);
    await until(() => host!.channel.sentTo('mem:x').length === 3, 10_000, 'all three answers');
    expect(host.channel.sentTo('mem:x')[1]).toBe('echo: !slow:1500 second (1 messages)');
    expect(host.channel.sentTo('mem:x')[2]).toMatch(/daily budget/i);
  });

  it('evicts only as many idle warm runs as there are agents waiting for a slot', async () => {
    host = await startTestHost(`
agents:
  - { id: main, main: true, sandbox: none }
  - { id: helper, name: Helper, sandbox: none }
  - { id: third, name: Third, sandbox: none }
routes:
  - { chat: "mem:main-chat", agent: main }
  - { chat: "mem:open", agent: helper, requiresTrigger: false }
  - { chat: "mem:third", agent: third, requiresTrigger: false }
queue: { maxConcurrent: 2, idleTimeoutMs: 60000 }
`);
    host.channel.receive('mem:main-chat', '!slowstop:800 one');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1, 10_000, 'main reply');
    host.channel.receive('mem:open', 'two');
    await until(() => host!.channel.sentTo('mem:open').length === 1, 10_000, 'helper reply');
    await until(() => host!.app.queue.stats().warm === 2, 10_000, 'two warm runs');
    // The third agent needs one slot: main (least recently active) is asked to stop, slowly.
    host.channel.receive('mem:third', 'three');
    const last = host.channel.receive('mem:third', 'four');
    await until(() => cursorOf(host!, 'third', 'mem:third') >= last.messageId!, 10_000, 'third answered');
    const helperRun = host.app.queue.activeRuns().find((r) => r.agent.id === 'helper');
    expect(helperRun?.state).toBe('idle');
  });

  it('gives up on a runner that reports an invalid session even when it was given none', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:main-chat', '!badsession');
    await until(
      () => host!.channel.sentTo('mem:main-chat').some((t) => t.startsWith('Sorry')),
      10_000,
      'the apology after the last attempt',
    );
    const runs = host.app.store.runs.recent(100).filter((r) => r.agent === 'main');
    // One fresh start retried (the stored session was forgotten), then the normal bounded attempts.
    expect(runs.length).toBeLessThanOrEqual(4);
  });

  it('retries at once with a fresh session when a stored one cannot be resumed, without counting an attempt', async () => {
    host = await startTestHost(routes('queue: { idleTimeoutMs: 50, retry: { maxAttempts: 1 } }'));
    host.channel.receive('mem:main-chat', 'hello');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1, 10_000, 'first reply');
    await until(() => host!.app.queue.stats().running === 0, 10_000, 'the idle run to close');
    expect(host.app.store.sessions.get('main', 'claude')).toBeDefined();
    host.channel.receive('mem:main-chat', '!staleresume');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 2, 10_000, 'second reply');
    expect(host.channel.sentTo('mem:main-chat')[1]).toBe('echo: !staleresume (1 messages)');
  });

  it('keeps a message that arrives during the shutdown drain and answers it once, now or after the restart', async () => {
    const home = mkdtempSync(join(tmpdir(), 'omniclaw-review-'));
    try {
      host = await startTestHost(routes(), { home });
      const before = host.channel;
      before.receive('mem:main-chat', '!slow:500 busy');
      await until(() => host!.app.queue.stats().running === 1, 10_000, 'a busy run');
      const stopping = host.app.stop();
      // A platform acknowledges what it delivered: a message turned away now is gone for good.
      const during = before.receive('mem:main-chat', 'sent during the shutdown');
      await stopping;
      host = undefined;
      expect(during.accepted).toBe(true);
      host = await startTestHost(routes(), { home });
      const answers = (): string[] =>
        [...before.sentTo('mem:main-chat'), ...host!.channel.sentTo('mem:main-chat')].filter((t) =>
          t.startsWith('echo: sent during the shutdown'),
        );
      await until(() => answers().length > 0, 10_000, 'the answer');
      await until(() => cursorOf(host!, 'main', 'mem:main-chat') >= during.messageId!, 10_000, 'cursor');
      await new Promise((r) => setTimeout(r, 200));
      expect(answers()).toEqual(['echo: sent during the shutdown (1 messages)']);
    } finally {
      await host?.cleanup();
      host = undefined;
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('terminal chat (daemon as a process)', () => {
  it('leaves an interactive `chat` at end of input with exit 0, not as if the daemon had died', async () => {
    const instance = makeInstance();
    const daemon = await startDaemon(instance);
    try {
      // stdin is /dev/null: the interactive chat reads end of input at once, like Ctrl-D.
      const result = await cli(instance, ['chat']);
      expect(result.stdout).toContain('Connected to local:default');
      expect(result.stdout).not.toContain('the daemon closed the connection');
      expect(result.code).toBe(0);
    } finally {
      await daemon.stop();
      instance.cleanup();
    }
  });
});

describe('outbox retry timer', () => {
  // Offset 2: due exactly between the flush's clock reading and the timer's (the flake seen
  // in full-suite runs); offset 3: due while the timer itself is being armed.
  it.each([2, 3])(
    'still wakes for a retry that falls due %i clock readings after the flush starts',
    async (offset) => {
      const dir = mkdtempSync(join(tmpdir(), 'omniclaw-review-outbox-'));
      const store = openStore(join(dir, 'db.sqlite'));
      // A clock that moves on 1 ms at every reading: time passes between two reads, as it does
      // on a loaded machine (or when a timer fires a little before Date.now() reaches its time).
      let clock = Date.now();
      const now = (): number => ++clock;
      const channel = new MemoryChannel();
      const outbox = new Outbox({
        store: store.outbox,
        channels: { forChat: (chat) => (channel.ownsChat(chat) ? channel : undefined) },
        logger: silentLogger(),
        now,
      });
      try {
        await channel.connect({ inbound: () => ({ accepted: false }), state: () => undefined });
        const id = store.outbox.enqueue({ channel: 'memory', chat: 'mem:a', text: 'retried' });
        store.outbox.markRetry(id, 'platform unavailable (test)', clock + offset);
        outbox.kick();
        await until(() => channel.sentTo('mem:a').length === 1, 2_000, 'the retried row to be sent');
      } finally {
        outbox.stop();
        store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
