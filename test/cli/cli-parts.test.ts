/** The CLI's pure parts as tables: the status text, and the doctor's checks. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatStatus } from '../../src/cli/status.js';
import { formatLogLine } from '../../src/cli/logs.js';
import { credentialChecks, nodeCheck, permissionChecks } from '../../src/cli/doctor-checks.js';
import { parseConfigText } from '../../src/config/load.js';
import { instancePaths } from '../../src/config/paths.js';
import type { StatusReport } from '../../src/core/status.js';

describe('formatLogLine', () => {
  it.each([
    [
      '{"level":30,"time":0,"pid":1,"hostname":"h","msg":"OmniClaw is running","agents":["main"]}',
      '1970-01-01T00:00:00.000Z INFO  OmniClaw is running {"agents":["main"]}',
    ],
    ['{"level":50,"time":0,"msg":"boom"}', '1970-01-01T00:00:00.000Z ERROR boom'],
    ['{"level":99,"msg":"odd"}', ' 99    odd'],
    ['not json at all', 'not json at all'],
    ['{"truncated": ', '{"truncated": '],
  ])('%s', (line, expected) => {
    expect(formatLogLine(line)).toBe(expected);
  });
});

describe('formatStatus', () => {
  it('shows pid, http, queue, outbox, channels and agents with their usage today', () => {
    const status: StatusReport = {
      running: true,
      pid: 4242,
      uptimeSeconds: 61,
      http: { host: '127.0.0.1', port: 7077 },
      channels: { local: { state: 'connected' }, telegram: { state: 'failed', detail: '401 Unauthorized' } },
      queue: { running: 1, waiting: 2, warm: 1 },
      outbox: { pending: 0, sent: 5, failed: 1 },
      agents: [
        {
          id: 'main',
          name: 'Omni',
          main: true,
          runtime: 'claude',
          sandbox: 'docker',
          active: { chat: 'local:default', state: 'busy' },
          today: { runs: 3, failedAttempts: 2, inputTokens: 100, outputTokens: 20, costUsd: 0.456 },
        },
        {
          id: 'helper',
          name: 'Bob',
          main: false,
          runtime: 'openai',
          sandbox: 'bwrap',
          active: null,
          today: { runs: 0, failedAttempts: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 },
        },
      ],
    };
    expect(formatStatus(status)).toBe(
      [
        'OmniClaw running (pid 4242, up 61 s), http://127.0.0.1:7077',
        'Database: ok',
        'Queue: 1 running (1 warm), 2 waiting',
        'Outbox: 0 pending, 5 sent, 1 failed',
        'Channels:',
        '  local      connected',
        '  telegram   failed — 401 Unauthorized',
        'Agents:',
        '  main         main claude  docker   busy on local:default; today 3 runs (2 failed attempts), 120 tokens, $0.46',
        '  helper            openai  bwrap    stopped; today 0 runs, 0 tokens',
        '',
      ].join('\n'),
    );
    const degraded = formatStatus({
      ...status,
      database: { ok: false, since: Date.UTC(2026, 0, 2, 3, 4, 5), error: 'database or disk is full' },
    });
    expect(degraded.split('\n')[1]).toBe(
      'Database: DEGRADED — writes failing since 2026-01-02T03:04:05.000Z (database or disk is full); ' +
        'messages are kept and stored when it recovers: free disk space or fix the files',
    );
  });

  it('shows the machines, and why a machine is down (issue 15)', () => {
    const status = {
      running: true,
      pid: 1,
      uptimeSeconds: 1,
      http: { host: '127.0.0.1', port: 7077 },
      channels: {},
      queue: { running: 0, waiting: 0, warm: 0 },
      outbox: { pending: 0, sent: 0, failed: 0 },
      agents: [],
      machines: [
        { name: 'gpu', state: 'up', version: '0.1.0', labels: ['gpu'], since: 0 },
        { name: 'mini', state: 'down', detail: 'Connection refused', labels: [], since: 0 },
      ],
    } as StatusReport;
    const lines = formatStatus(status).split('\n');
    expect(lines.slice(lines.indexOf('Machines:'), lines.indexOf('Machines:') + 3)).toEqual([
      'Machines:',
      '  gpu        up (OmniClaw 0.1.0)',
      '  mini       down — Connection refused',
    ]);
  });
});

describe('doctor checks', () => {
  it.each([
    ['20.0.0', 'ok'],
    ['22.11.0', 'ok'],
    ['18.19.1', 'fail'],
  ])('Node %s → %s', (version, status) => {
    const check = nodeCheck(version);
    expect(check.status).toBe(status);
    if (status === 'fail')
      expect(check.fix).toBe(
        'Install Node.js 20 or newer (Debian: `apt-get install nodejs`, or from nodejs.org).',
      );
  });

  const config = (yaml: string) => parseConfigText(yaml, 'omniclaw.yaml', { env: {} });
  it.each([
    {
      what: 'claude agent, no credential',
      yaml: 'agents: [{ id: main }]',
      expected: [{ name: 'Anthropic credential', status: 'fail' }],
    },
    {
      what: 'claude agent with an OAuth token',
      yaml: 'models: { anthropic: { oauthToken: tok-secret-1 } }',
      expected: [
        {
          name: 'Anthropic credential',
          status: 'ok',
          detail: 'An Anthropic OAuth token is present (not shown).',
        },
      ],
    },
    {
      what: 'openai agent, no endpoint',
      yaml: 'agents: [{ id: main, runtime: openai }]',
      expected: [{ name: 'OpenAI-compatible endpoint', status: 'fail' }],
    },
    {
      what: 'codex agent with a keyed endpoint',
      yaml: 'models: { openai: { apiKey: sk-openai-secret-2 } }\nagents: [{ id: main, runtime: codex }]',
      expected: [
        {
          name: 'OpenAI-compatible endpoint',
          status: 'ok',
          detail: 'The OpenAI-compatible endpoint is https://api.openai.com/v1, with an API key (not shown).',
        },
      ],
    },
  ])('$what', ({ yaml, expected }) => {
    const found = credentialChecks(config(yaml), '/home/me/.omniclaw/.env');
    expect(found).toEqual(expected.map((e) => expect.objectContaining(e)));
    expect(JSON.stringify(found)).not.toMatch(/secret-\d/);
    for (const check of found) if (check.status === 'fail') expect(check.fix).toBeTruthy();
  });

  describe('permissions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omniclaw-perm-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each([
      {
        what: 'missing instance folder',
        setup: () => undefined,
        expected: [{ name: 'instance folder', status: 'warn' }],
      },
      {
        what: 'owner-only folder and .env',
        setup: (home: string) => {
          mkdirSync(home, { mode: 0o700 });
          writeFileSync(join(home, '.env'), 'A=1\n', { mode: 0o600 });
        },
        expected: [
          { name: 'instance folder', status: 'ok' },
          { name: '.env', status: 'ok' },
        ],
      },
      {
        what: 'group-readable folder, world-readable .env',
        setup: (home: string) => {
          mkdirSync(home);
          chmodSync(home, 0o750);
          writeFileSync(join(home, '.env'), 'A=1\n');
          chmodSync(join(home, '.env'), 0o604);
        },
        expected: [
          { name: 'instance folder', status: 'fail' },
          { name: '.env', status: 'fail' },
        ],
      },
    ])('$what', ({ setup, expected }) => {
      const home = join(dir, Math.random().toString(36).slice(2));
      setup(home);
      // The database files have their own check (test/cli/doctor.test.ts).
      const found = permissionChecks(instancePaths(home)).filter((c) => c.name !== 'database files');
      expect(found).toEqual(expected.map((e) => expect.objectContaining(e)));
    });
  });
});
