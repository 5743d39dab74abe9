/**
 * The info-level log tells a conversation's path (accepted → run started, cold then warm →
 * reply sent → run ended) and never holds message text or secrets; `omniclaw logs --chat`
 * picks that path out of the whole log.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { conversationLines, formatStep } from '../../src/cli/logs.js';
import { startTestHost, until, type TestHost } from '../helpers/host.js';

let host: TestHost | undefined;
afterEach(async () => {
  await host?.cleanup();
  host = undefined;
});

function captured(): {
  logger: ReturnType<typeof createLogger>;
  lines: () => Record<string, unknown>[];
  raw: () => string[];
} {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: createLogger({ level: 'trace', destination }),
    raw: () => raw,
    lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const CONFIG = `
agents:
  - { id: main, main: true, sandbox: none }
routes:
  - { chat: "mem:talk", agent: main, requiresTrigger: false }
  - { chat: "mem:other", agent: main, requiresTrigger: false }
`;

describe('the work log', () => {
  it('shows accepted, cold then warm run, reply sent with duration and tokens, and no text at info', async () => {
    const log = captured();
    host = await startTestHost(CONFIG, { logger: log.logger });
    const secretText = 'the-password-is-swordfish';
    host.channel.receive('mem:talk', `first ${secretText}`);
    await until(() => host!.channel.sent.length >= 1, 10_000, 'first reply');
    host.channel.receive('mem:talk', `second ${secretText}`);
    await until(() => host!.channel.sent.length >= 2, 10_000, 'second reply');
    host.channel.receive('mem:other', 'elsewhere');
    await until(() => host!.channel.sent.length >= 3, 10_000, 'third reply');
    await until(
      () => log.lines().filter((l) => l.msg === 'reply sent').length >= 3,
      5_000,
      'reply sent lines',
    );

    const info = log.lines().filter((l) => l.level === 30);
    for (const line of info) {
      expect(JSON.stringify(line)).not.toContain('swordfish');
      expect(JSON.stringify(line)).not.toContain('sk-test-key');
    }
    const talk = info.filter((l) => l.chat === 'mem:talk');
    const steps = talk.map((l) => l.msg);
    expect(steps.filter((m) => m === 'message accepted')).toHaveLength(2);
    const started = talk.filter((l) => l.msg === 'run started');
    expect(started.map((l) => [l.sandbox, l.start])).toEqual([
      ['none', 'cold'],
      ['none', 'warm'],
    ]);
    const sent = talk.filter((l) => l.msg === 'reply sent');
    expect(sent).toHaveLength(2);
    for (const line of sent) {
      expect(line).toMatchObject({ agent: 'main', channel: 'memory' });
      expect(typeof line.durationMs).toBe('number');
      expect(typeof line.tokens).toBe('number');
    }
    expect(talk.find((l) => l.msg === 'message accepted')).toMatchObject({ agents: ['main'] });

    // `omniclaw logs --chat mem:talk`: this chat's path, not the other chat's.
    const path = conversationLines(log.raw(), 'mem:talk').map(formatStep);
    expect(path.some((l) => / INFO {2}run started .*start=warm/.test(l))).toBe(true);
    expect(path.filter((l) => l.includes('message accepted'))).toHaveLength(2);
    expect(path.join('\n')).not.toContain('elsewhere');
    expect(
      conversationLines(log.raw(), 'mem:other').filter((l) => l.includes('message accepted')),
    ).toHaveLength(1);
  });
});
