import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, until, type TestHost } from '../helpers/host.js';
import { capturedLogger } from '../channels/channel-test-kit.js';
import { failureNotice } from '../../src/core/failure-notice.js';
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
  - { chat: "mem:group", agent: helper }
  - { chat: "mem:open", agent: helper, requiresTrigger: false }
${extra}`;

describe('the host path', () => {
  it('answers a message for the main agent once, and records the run', async () => {
    host = await startTestHost(routes());
    expect(host.channel.receive('mem:main-chat', 'hello').accepted).toBe(true);
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1, 10_000, 'reply');
    expect(host.channel.sentTo('mem:main-chat')).toEqual(['echo: hello (1 messages)']);
    const runs = host.app.store.runs.recent();
    expect(runs[0]).toMatchObject({ agent: 'main', status: 'running' });
    expect(host.app.store.outbox.counts()).toMatchObject({ sent: 1, pending: 0, failed: 0 });
  });

  it('keeps untriggered group messages and hands them over as catch-up with the next trigger', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:group', 'first, no trigger');
    host.channel.receive('mem:group', 'second, still none', { senderName: 'Bob' });
    await new Promise((r) => setTimeout(r, 200));
    expect(host.channel.sent).toHaveLength(0);
    host.channel.receive('mem:group', '@helper what do you think?');
    await until(() => host!.channel.sentTo('mem:group').length === 1);
    expect(host.channel.sentTo('mem:group')[0]).toBe('echo: @helper what do you think? (3 messages)');
  });

  it('treats a platform mention or a reply to the bot as a trigger', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:group', 'hey bot', { mentionsBot: true });
    await until(() => host!.channel.sentTo('mem:group').length === 1);
    host.channel.receive('mem:group', 'and this', { replyToBot: true });
    await until(() => host!.channel.sentTo('mem:group').length === 2);
  });

  it('answers every message where the route needs no trigger, and never the bot itself', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:open', 'my own echo', { fromBot: true });
    host.channel.receive('mem:open', 'plain message');
    await until(() => host!.channel.sentTo('mem:open').length === 1);
    expect(host.channel.sentTo('mem:open')[0]).toBe('echo: plain message (1 messages)');
  });

  it('drops messages from chats without a route, and deduplicates platform ids', async () => {
    host = await startTestHost(routes());
    expect(host.channel.receive('mem:stranger', 'hi')).toMatchObject({ accepted: false });
    const first = host.channel.receive('mem:main-chat', 'once', { platformId: 'same' });
    const again = host.channel.receive('mem:main-chat', 'once', { platformId: 'same' });
    expect(first.accepted).toBe(true);
    expect(again).toMatchObject({ accepted: false, reason: 'duplicate message', messageId: first.messageId });
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1);
  });

  it('strips <internal> notes from replies', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:main-chat', '!internal');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1);
    expect(host.channel.sentTo('mem:main-chat')[0]).toBe('visible part');
  });

  it('pushes a follow-up into the warm run instead of starting another', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:main-chat', 'one');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1);
    host.channel.receive('mem:main-chat', 'two');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 2);
    expect(host.app.store.runs.recent()).toHaveLength(1);
    expect(host.app.queue.stats()).toMatchObject({ running: 1, warm: 1 });
  });

  it('retries a failing run with backoff, then tells the chat and moves on', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:main-chat', 'please !fail');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1, 10_000, 'failure notice');
    expect(host.channel.sentTo('mem:main-chat')[0]).toBe(failureNotice('model'));
    const runs = host.app.store.runs.recent();
    expect(runs).toHaveLength(3); // maxAttempts
    expect(runs.every((r) => r.status === 'failed')).toBe(true);
    expect(host.channel.notices.some((n) => n.notice.kind === 'failed')).toBe(true);
    // The chat works again afterwards.
    host.channel.receive('mem:main-chat', 'better now');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 2);
  });

  it('tells the chat when a turn ends in a non-fatal runtime error, and keeps the agent warm', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:main-chat', 'please !softfail');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1);
    expect(host.channel.sentTo('mem:main-chat')[0]).toBe(failureNotice('model'));
    await until(() => host!.channel.notices.some((n) => n.notice.kind === 'failed'));
    host.channel.receive('mem:main-chat', 'again');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 2);
    expect(host.app.store.runs.recent()).toHaveLength(1);
  });

  it('reports a crashing runner as a failure, without hurting the host', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:main-chat', '!crash');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1);
    expect(host.channel.sentTo('mem:main-chat')[0]).toBe(failureNotice('runner'));
  });

  it.each([
    {
      failure: 'a model error',
      ask: 'please !leakyfail',
      notice: failureNotice('model'),
      logged: 'Traceback',
    },
    { failure: 'a crashing runner', ask: '!crash', notice: failureNotice('runner'), logged: 'code 3' },
  ])(
    'tells the chat one sentence about $failure: no run or turn ids, in-sandbox URLs or runner stderr',
    async ({ ask, notice, logged }) => {
      const captured = capturedLogger();
      host = await startTestHost(routes(), { logger: captured.logger });
      host.channel.receive('mem:main-chat', ask);
      await until(() => host!.channel.sentTo('mem:main-chat').length === 1, 10_000, 'failure notice');
      const told = [
        ...host.channel.sentTo('mem:main-chat'),
        ...host.channel.notices.flatMap((n) => (n.notice.kind === 'failed' ? [n.notice.error] : [])),
      ];
      await until(() => host!.channel.notices.some((n) => n.notice.kind === 'failed'));
      expect(told[0]).toBe(notice);
      const runIds = host.app.store.runs.recent().map((r) => r.id);
      for (const text of told) {
        expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
        expect(text).not.toMatch(/https?:\/\//);
        expect(text).not.toMatch(/stderr|Traceback|code 3|\{/);
        for (const id of runIds) expect(text).not.toContain(id);
      }
      // The detail is for the operator, in the log.
      expect(captured.output()).toContain(logged);
    },
  );

  it.each([
    { limit: 'time', limits: '{ timeoutMs: 400 }', ask: '!hang forever', told: /time limit/ },
    {
      limit: 'disk',
      limits: '{ diskMb: 5 }',
      ask: '!fill:8',
      told: /^Sorry, I could not answer your message: agent "main" was stopped: its files take 9 MB, over its 5 MB disk limit; delete files in its folder or raise limits\.diskMb$/,
    },
  ])(
    'stops a run at its $limit limit, tells the chat, and does not retry it',
    async ({ limits, ask, told }) => {
      host = await startTestHost(`
agents:
  - { id: main, main: true, sandbox: none, limits: ${limits} }
routes:
  - { chat: "mem:x", agent: main }
`);
      host.channel.receive('mem:x', ask);
      await until(() => host!.channel.sentTo('mem:x').length === 1);
      expect(host.channel.sentTo('mem:x')[0]).toMatch(told);
      expect(host.app.store.runs.recent()).toHaveLength(1);
    },
  );

  it('ends a run whose runner breaks the protocol', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:main-chat', '!badline');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1);
    expect(host.channel.sentTo('mem:main-chat')[0]).toBe(failureNotice('runner'));
    const runs = host.app.store.runs.recent();
    expect(runs[0]?.error).toMatch(/broke the protocol: runner sent a line that is not JSON/);
  });

  it('answers tool calls with real results, and errors for unknown tools and bad arguments', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:main-chat', '!tool:send_message:{"text":"sent by a tool"}');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 2);
    expect(host.channel.sentTo('mem:main-chat')[0]).toBe('sent by a tool');
    expect(host.channel.sentTo('mem:main-chat')[1]).toMatch(/^tool ok:/);
    host.channel.receive('mem:main-chat', '!tool:rm_rf:{}');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 3);
    expect(host.channel.sentTo('mem:main-chat')[2]).toMatch(/^tool error: .*rm_rf/);
    host.channel.receive('mem:main-chat', '!tool:send_message:{"text":42}');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 4);
    expect(host.channel.sentTo('mem:main-chat')[3]).toMatch(
      /^tool error: invalid arguments for send_message/,
    );
  });

  it('refuses a non-main agent sending into a chat that is not its own', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:open', '!tool:send_message:{"text":"sneaky","target_jid":"mem:main-chat"}');
    await until(() => host!.channel.sentTo('mem:open').length === 1);
    expect(host.channel.sentTo('mem:open')[0]).toMatch(/^tool error: .*not allowed|^tool error: .*may only/i);
    expect(host.channel.sentTo('mem:main-chat')).toHaveLength(0);
  });

  it('never runs more than maxConcurrent agents at once, with 50 chats arriving together', async () => {
    const agents = Array.from({ length: 50 }, (_, i) => `  - { id: a${i}, sandbox: none }`).join('\n');
    const routeLines = Array.from(
      { length: 50 },
      (_, i) => `  - { chat: "mem:c${i}", agent: a${i}, requiresTrigger: false }`,
    ).join('\n');
    host = await startTestHost(`
queue: { maxConcurrent: 4, idleTimeoutMs: 0, retry: { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 3 } }
agents:
  - { id: main, main: true, sandbox: none }
${agents}
routes:
${routeLines}
`);
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, host!.app.queue.stats().running)), 2);
    for (let i = 0; i < 50; i++) host.channel.receive(`mem:c${i}`, `!slow:30 hi ${i}`);
    await until(() => host!.channel.sent.length === 50, 60_000, 'fifty replies');
    clearInterval(timer);
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
    for (let i = 0; i < 50; i++)
      expect(host.channel.sentTo(`mem:c${i}`)).toEqual([`echo: !slow:30 hi ${i} (1 messages)`]);
  }, 120_000);

  it('tells the chat how to add a model when none is configured', async () => {
    host = await startTestHost(
      `
agents:
  - { id: main, main: true, sandbox: none }
routes:
  - { chat: "mem:x", agent: main }
`,
      { withoutModels: true },
    );
    host.channel.receive('mem:x', 'hi');
    await until(() => host!.channel.sentTo('mem:x').length === 1);
    expect(host.channel.sentTo('mem:x')[0]).toMatch(
      /no Anthropic credential is configured\. Add ANTHROPIC_API_KEY/,
    );
    expect(host.app.store.runs.recent()).toHaveLength(0);
  });

  it('enforces a daily token budget, also for a warm agent', async () => {
    host = await startTestHost(`
instance: { timezone: ${middayZone()} }
agents:
  - { id: main, main: true, sandbox: none, budget: { dailyTokens: 10 } }
routes:
  - { chat: "mem:x", agent: main }
`);
    host.channel.receive('mem:x', 'first');
    await until(() => host!.channel.sentTo('mem:x').length === 1);
    // Usage is counted when the turn is done, which may come just after its reply.
    await until(() => host!.app.queue.stats().warm === 1, 10_000, 'the turn to be done');
    host.channel.receive('mem:x', 'second');
    await until(() => host!.channel.sentTo('mem:x').length === 2);
    expect(host.channel.sentTo('mem:x')[1]).toMatch(/daily budget/i);
    host.channel.receive('mem:x', 'third');
    await until(() => host!.channel.sentTo('mem:x').length === 3);
    expect(host.channel.sentTo('mem:x')[2]).toMatch(/daily budget/i);
  });

  it('drains a busy run on stop and answers it before closing', async () => {
    host = await startTestHost(routes());
    host.channel.receive('mem:main-chat', '!slow:300 finishing');
    await until(() => host!.app.queue.stats().running === 1);
    const channel = host.channel;
    await host.app.stop();
    expect(channel.sentTo('mem:main-chat')).toEqual(['echo: !slow:300 finishing (1 messages)']);
  });

  it('does not count a run killed at the shutdown deadline as failed, and answers it after the restart', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'omniclaw-marker-')), 'hang');
    writeFileSync(marker, '');
    const yaml = `
queue: { drainTimeoutMs: 200, retry: { maxAttempts: 1 } }
agents:
  - { id: main, main: true, sandbox: none }
routes:
  - { chat: "mem:x", agent: main }
`;
    host = await startTestHost(yaml);
    const home = host.home;
    host.channel.receive('mem:x', `wait !hang-if:${marker}`);
    await until(() => host!.app.queue.stats().running === 1);
    const first = host.channel;
    await host.app.stop();
    expect(first.sent).toHaveLength(0);
    rmSync(marker);
    host = await startTestHost(yaml, { home });
    await until(() => host!.channel.sentTo('mem:x').length === 1);
    expect(host.channel.sentTo('mem:x')[0]).toMatch(/^echo: wait !hang-if:/);
    await new Promise((r) => setTimeout(r, 200));
    expect(host.channel.sentTo('mem:x')).toHaveLength(1);
  });

  it('puts the gateway TCP listener where sandbox.gateway says, and advertises the given URL', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    host = await startTestHost(
      `
sandbox: { gateway: { host: 127.0.0.1, port: ${port}, advertiseUrl: "http://192.0.2.1:${port}" } }
agents:
  - { id: main, main: true, sandbox: none }
`,
      { gateway: true },
    );
    expect(host.app.gateway?.tcpUrl).toBe(`http://192.0.2.1:${port}`);
    const res = await fetch(`http://127.0.0.1:${port}/anthropic/v1/messages`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401); // listening, and nothing passes without a run token
  });

  it('retries a failed send with backoff and delivers it once', async () => {
    host = await startTestHost(routes());
    host.channel.failNext = 2;
    host.channel.receive('mem:main-chat', 'flaky platform');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1, 15_000);
    const row = host.app.store.outbox.forChat('mem:main-chat')[0]!;
    expect(row).toMatchObject({ status: 'sent', attempts: 3 });
  });
});
