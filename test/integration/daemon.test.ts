/**
 * The daemon as a real process (`omniclaw start`), driven through the CLI and HTTP the way
 * a person and a service manager drive it: answers, health, status, crashes (kill -9) at
 * the two dangerous moments, graceful and impatient shutdown, and the very first start.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureNotice } from '../../src/core/failure-notice.js';
import {
  cli,
  httpGet,
  makeInstance,
  outboxRows,
  readDb,
  startDaemon,
  until,
  type Daemon,
  type Instance,
} from '../helpers/daemon.js';

const cleanups: (() => void | Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
function instance(...args: Parameters<typeof makeInstance>): Instance {
  const made = makeInstance(...args);
  cleanups.push(made.cleanup);
  return made;
}
async function daemon(of: Instance, env: Record<string, string> = {}): Promise<Daemon> {
  const started = await startDaemon(of, env);
  cleanups.push(() => {
    if (started.process.exitCode === null && started.process.signalCode === null)
      started.process.kill('SIGKILL');
    return started.exited;
  });
  return started;
}

const runningRuns = (of: Instance): number =>
  readDb(
    of,
    (db) => db.prepare("SELECT COUNT(*) FROM runs WHERE status = 'running'").pluck().get() as number,
  );
const messageCount = (of: Instance, like: string): number =>
  readDb(
    of,
    (db) => db.prepare('SELECT COUNT(*) FROM messages WHERE text LIKE ?').pluck().get(like) as number,
  );

describe('a running daemon', () => {
  let home: Instance;
  let running: Daemon;
  beforeAll(async () => {
    home = instance();
    running = await daemon(home, { OMNICLAW_LOG_LEVEL: 'debug' });
  });

  it('answers `chat -m hi`, prints the reply and exits 0', async () => {
    const result = await cli(home, ['chat', '-m', 'hi']);
    expect(result.stdout).toBe('echo: hi (1 messages)\n');
    expect(result.code).toBe(0);
  });

  it('exits non-zero with the apology printed when the agent fails', async () => {
    const result = await cli(home, ['chat', '-m', 'please !fail']);
    expect(result.stdout).toBe(`${failureNotice('model')}\n`);
    expect(result.stderr).not.toContain(failureNotice('model')); // printed once, as the reply
    expect(result.code).toBe(1);
  });

  it('serves /healthz, /readyz and /metrics with the message counters', async () => {
    await cli(home, ['chat', '-m', 'count me']);
    const health = await httpGet(running, '/healthz');
    expect(health.status).toBe(200);
    const ready = await httpGet(running, '/readyz');
    expect(ready.type).toMatch(/json/);
    const readiness = JSON.parse(ready.body) as Record<string, unknown>;
    expect(JSON.stringify(readiness)).toMatch(/database/);
    expect(JSON.stringify(readiness)).toMatch(/channels/);
    expect(ready.status).toBe(200);
    const metrics = await httpGet(running, '/metrics');
    expect(metrics.status).toBe(200);
    const counter = (name: string, labels: string): number =>
      Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)`, 'm').exec(metrics.body)?.[1] ?? NaN);
    expect(counter('omniclaw_messages_in_total', 'channel="local"')).toBeGreaterThanOrEqual(1);
    expect(counter('omniclaw_messages_out_total', 'channel="local",result="sent"')).toBeGreaterThanOrEqual(1);
    expect(metrics.body).not.toContain('sk-ant-fake-daemon-test');
    expect((await httpGet(running, '/nope')).status).toBe(404);
  });

  it('reports `status --json` while running', async () => {
    const result = await cli(home, ['status', '--json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as {
      pid: number;
      http: { port: number };
      agents: { id: string; main: boolean }[];
      channels: Record<string, { state: string }>;
    };
    expect(status.pid).toBe(running.process.pid);
    expect(status.http.port).toBe(running.http.port);
    expect(status.agents).toEqual([expect.objectContaining({ id: 'main', main: true })]);
    expect(status.channels.local?.state).toBe('connected');
    const human = await cli(home, ['status']);
    expect(human.stdout).toMatch(/^OmniClaw running \(pid \d+/);
  });

  it('lists the agents and the schema version', async () => {
    const agents = await cli(home, ['agents']);
    expect(agents.code).toBe(0);
    expect(agents.stdout).toContain('main (main)');
    expect(agents.stdout).toContain('local:default');
    const migrate = await cli(home, ['migrate', 'status']);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(/^0001 initial\s+applied /m);
  });

  it('keeps its log readable with `omniclaw logs`, and no secret in it', async () => {
    const logs = await cli(home, ['logs', '-n', '1000']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}OmniClaw is running /m);
    const file = readFileSync(join(home.home, 'logs', 'omniclaw.log'), 'utf8');
    expect(file).toContain('"msg":"OmniClaw is running"');
    for (const text of [file, logs.stdout, running.stderr()]) {
      expect(text).not.toContain('sk-ant-fake-daemon-test');
    }
  });

  it('keeps the control socket owner-only', () => {
    expect(statSync(join(home.home, 'omniclaw.sock')).mode & 0o777).toBe(0o600);
  });

  it('turns away hostile terminal-chat input and keeps working', async () => {
    const traversal = await cli(home, ['chat', '-c', '../../etc', '-m', 'hi']);
    expect(traversal.code).not.toBe(0);
    expect(traversal.stderr).toContain('the chat name "../../etc" is too long or has other characters');
    const huge = await cli(home, ['chat', '-m', 'x'.repeat(70 * 1024)]);
    expect(huge.code).not.toBe(0);
    expect(huge.stderr).toMatch(/message too long/);
    // Raw garbage and an endless line on the control socket itself.
    const answers = await new Promise<string>((resolve) => {
      const socket = connect(join(home.home, 'omniclaw.sock'));
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString()));
      socket.on('close', () => resolve(got));
      socket.on('error', () => undefined);
      socket.write('not json\n{"no":"type"}\n{"type":"format-disk"}\n');
      // What the CLI refuses, the daemon refuses too: a client may be anything.
      socket.write('{"type":"subscribe","chat":"local:../../etc"}\n');
      socket.write('{"type":"message","chat":"local:../../etc","text":"hi"}\n');
      socket.write('y'.repeat(400 * 1024));
    });
    expect(answers).toMatch(/"invalid request: /);
    expect(answers).toMatch(/unknown request type \\"format-disk\\"/);
    // Both the subscribe and the message are refused, each saying what a chat name may be.
    expect(answers.split('invalid chat \\"local:../../etc\\": use local:<name>')).toHaveLength(3);
    const after = await cli(home, ['chat', '-m', 'still fine?']);
    expect(after.stdout).toBe('echo: still fine? (1 messages)\n');
  });

  it('refuses a second daemon on the same instance and leaves the first one working', async () => {
    const busy = cli(home, ['chat', '-m', '!slow:1500']);
    await until(() => runningRuns(home) === 1, 'a run to be busy');
    const second = await cli(home, ['start']);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(
      /^omniclaw: another OmniClaw daemon is already running on .*; stop it first$/m,
    );
    expect(second.stderr).not.toMatch(/\n\s+at /); // a clear message, not a stack trace
    // The first daemon's busy run was not closed as abandoned, and it answers.
    expect(runningRuns(home)).toBe(1);
    expect((await busy).stdout).toBe('echo: !slow:1500 (1 messages)\n');
  });
});

describe('with the daemon down', () => {
  it('`chat -m` exits non-zero saying it is not running; `status --json` says so too', async () => {
    const home = instance();
    const chat = await cli(home, ['chat', '-m', 'hi']);
    expect(chat.code).not.toBe(0);
    expect(chat.stderr).toMatch(/not running/);
    const status = await cli(home, ['status', '--json']);
    expect(JSON.parse(status.stdout)).toEqual({ running: false });
    expect(status.code).toBe(3);
  });
});

describe('crash recovery (kill -9)', () => {
  it('answers exactly once a message that was stored but not answered when the daemon died', async () => {
    const home = instance();
    const marker = join(home.home, '..', 'hold');
    writeFileSync(marker, '');
    const first = await daemon(home);
    const text = `!hang-if:${marker}`;
    const chat = cli(home, ['chat', '-m', text]);
    // The message is stored and its run has started (and hangs while the marker exists).
    await until(() => messageCount(home, text) === 1 && runningRuns(home) === 1, 'the run to start');
    first.process.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect((await chat).code).not.toBe(0); // the client saw the daemon go away
    expect(outboxRows(home)).toEqual([]);

    rmSync(marker);
    await daemon(home);
    const rows = await until(() => {
      const r = outboxRows(home);
      return r.length && r.every((row) => row.status === 'sent') && r;
    }, 'the answer after restart');
    await new Promise((r) => setTimeout(r, 500)); // give a second answer every chance to appear
    expect(outboxRows(home)).toEqual([
      expect.objectContaining({ text: `echo: ${text} (1 messages)`, status: 'sent', attempts: 1 }),
    ]);
    expect(rows).toHaveLength(1);
    expect(messageCount(home, text)).toBe(1);
  });

  it('answers after a restart a named terminal chat (`chat -c work`) that no route names', async () => {
    const home = instance();
    const marker = join(home.home, '..', 'hold-named');
    writeFileSync(marker, '');
    const first = await daemon(home);
    const text = `!hang-if:${marker}`;
    const chat = cli(home, ['chat', '-c', 'work', '-m', text]);
    await until(() => messageCount(home, text) === 1 && runningRuns(home) === 1, 'the run to start');
    first.process.kill('SIGKILL');
    await first.exited;
    await chat;

    // The new daemon has no route for local:work until it reads the chat from its history.
    rmSync(marker);
    await daemon(home);
    await until(() => outboxRows(home, 'local:work')[0]?.status === 'sent', 'the answer after restart');
    expect(outboxRows(home, 'local:work')).toEqual([
      expect.objectContaining({ chat: 'local:work', text: `echo: ${text} (1 messages)`, status: 'sent' }),
    ]);
  });

  it('sends exactly once a reply that was in the outbox but not sent when the daemon died', async () => {
    const home = instance();
    const marker = join(home.home, '..', 'crash-before-send');
    writeFileSync(marker, '');
    const fault = { OMNICLAW_TEST_FAULT: 'crash-before-send', OMNICLAW_TEST_FAULT_FILE: marker };
    const first = await daemon(home, fault);
    const chat = await cli(home, ['chat', '-m', 'hello there']);
    expect((await first.exited).signal).toBe('SIGKILL'); // killed itself just before sending
    expect(chat.code).not.toBe(0);
    expect(outboxRows(home)).toEqual([
      expect.objectContaining({ text: 'echo: hello there (1 messages)', status: 'pending', attempts: 0 }),
    ]);

    rmSync(marker);
    const second = await daemon(home, fault);
    await until(() => outboxRows(home)[0]?.status === 'sent', 'the pending reply to be sent');
    await new Promise((r) => setTimeout(r, 500));
    expect(outboxRows(home)).toEqual([
      expect.objectContaining({ text: 'echo: hello there (1 messages)', status: 'sent', attempts: 1 }),
    ]);
    // Not asked again: one run in all, and the channel was handed the reply once.
    expect(readDb(home, (db) => db.prepare('SELECT COUNT(*) FROM runs').pluck().get())).toBe(1);
    const metrics = await httpGet(second, '/metrics');
    expect(metrics.body).toMatch(/^omniclaw_messages_out_total\{channel="local",result="sent"\} 1$/m);
  });
});

describe('shutdown', () => {
  it('on SIGTERM waits for a busy run, delivers its reply and exits 0', async () => {
    const home = instance();
    const running = await daemon(home);
    const chat = cli(home, ['chat', '-m', '!slow:1500']);
    await until(() => runningRuns(home) === 1, 'the run to start');
    running.process.kill('SIGTERM');
    const result = await chat;
    expect(result.stdout).toBe('echo: !slow:1500 (1 messages)\n');
    expect(result.code).toBe(0);
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(outboxRows(home)).toEqual([expect.objectContaining({ status: 'sent' })]);
    expect(existsSync(join(home.home, 'omniclaw.sock'))).toBe(false);
  });

  it('exits at once on a second SIGTERM during the drain', async () => {
    const home = instance();
    const running = await daemon(home);
    const chat = cli(home, ['chat', '-m', '!hang']);
    await until(() => runningRuns(home) === 1, 'the run to start');
    running.process.kill('SIGTERM');
    await until(() => running.stderr().includes('shutting down'), 'the first signal to be handled');
    const sent = Date.now();
    running.process.kill('SIGTERM');
    const exit = await running.exited;
    expect(Date.now() - sent).toBeLessThan(3_000);
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect((await chat).code).not.toBe(0);
  });
});

describe('first start', () => {
  it('writes a commented default config, starts, and says in the chat how to add a model', async () => {
    const home = instance(null);
    expect(existsSync(join(home.home, 'omniclaw.yaml'))).toBe(false);
    const running = await daemon(home);
    expect(running.stderr()).toMatch(/wrote .*omniclaw\.yaml — model: no model yet/);
    const text = readFileSync(join(home.home, 'omniclaw.yaml'), 'utf8');
    expect(text).toMatch(/^# OmniClaw configuration/);
    expect(text).toContain('- { id: main, main: true, runtime: claude');
    const chat = await cli(home, ['chat', '-m', 'hi']);
    expect(chat.stdout).toMatch(/^I can't answer yet: agent "main" uses Claude, but no Anthropic credential/);
    expect(chat.stdout).toContain('ANTHROPIC_API_KEY=');
    expect(chat.stdout).toContain(join(home.home, '.env'));
    expect(chat.code).not.toBe(0);
  });
});
