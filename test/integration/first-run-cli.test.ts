/**
 * What a new user tripped over in the CLI (issue 14, item 8), each through the real daemon
 * and the real `omniclaw` binary: a failure printed once, an unknown agent named with the
 * ones there are, a named conversation without a route, Ctrl-D ending the line, a readable .env warned about, failed attempts
 * not counted as runs.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureNotice } from '../../src/core/failure-notice.js';
import {
  cli,
  DAEMON_CONFIG,
  makeInstance,
  startDaemon,
  type Daemon,
  type Instance,
} from '../helpers/daemon.js';
import { middayZone } from '../helpers/midday-zone.js';

let home: Instance;
let daemon: Daemon;
beforeAll(async () => {
  // "Today" in `status` must not roll over mid-file (helpers/midday-zone.ts).
  home = makeInstance(
    `instance: { timezone: ${middayZone()} }\n${DAEMON_CONFIG}  - { id: helper, sandbox: none }\n`,
  );
  const envFile = join(home.home, '.env');
  writeFileSync(envFile, 'UNUSED=1\n');
  chmodSync(envFile, 0o644);
  daemon = await startDaemon(home);
});
afterAll(async () => {
  await daemon?.stop();
  home?.cleanup();
});

describe('the CLI a new user meets', () => {
  it('warns at start that a world-readable .env holds secrets, with the chmod that fixes it', () => {
    const envFile = join(home.home, '.env');
    expect(daemon.stderr()).toContain(
      `omniclaw: warning: ${envFile} holds your secrets and other users of this machine can read it (mode 644). Run \`chmod 600 ${envFile}\`.`,
    );
  });

  it('prints a failed answer once: the apology on stdout, not again on stderr', async () => {
    const result = await cli(home, ['chat', '-m', 'please !fail']);
    expect(result.stdout).toBe(`${failureNotice('model')}\n`);
    expect(result.stderr).not.toContain(failureNotice('model'));
    expect(result.code).toBe(1);
  });

  it('names the agents there are for `chat --agent nosuch`', async () => {
    const result = await cli(home, ['chat', '--agent', 'nosuch', '-m', 'hi']);
    expect(result.stderr).toBe(
      'omniclaw: there is no agent "nosuch". The agents are: main, helper. Try `omniclaw chat --agent main`.\n',
    );
    expect(result.code).toBe(2);
    expect((await cli(home, ['chat', '--agent', 'helper', '-m', 'hi'])).stdout).toBe(
      'echo: hi (1 messages)\n',
    );
  });

  it('ends the line when the interactive chat is left with Ctrl-D (end of input)', async () => {
    const result = await cli(home, ['chat']);
    expect(result.stdout).toMatch(/you › \n$/);
    expect(result.code).toBe(0);
  });

  it('counts failed attempts apart from runs in `status`', async () => {
    const status = JSON.parse((await cli(home, ['status', '--json'])).stdout) as {
      agents: { id: string; today: { runs: number; failedAttempts: number } }[];
    };
    // One `!fail` message, tried twice (maxAttempts 2); one answered `hi` for helper.
    expect(status.agents.find((a) => a.id === 'main')?.today).toMatchObject({ runs: 0, failedAttempts: 2 });
    expect(status.agents.find((a) => a.id === 'helper')?.today).toMatchObject({ runs: 1, failedAttempts: 0 });
    expect((await cli(home, ['status'])).stdout).toMatch(/main .*today 0 runs \(2 failed attempts\)/);
  });

  it('keeps a named conversation (`chat -c work`) apart, with the main agent or the one asked for, without a route', async () => {
    const help = (await cli(home, ['chat', '--help'])).stdout;
    expect(help).toContain('-c, --chat <name>');
    // The echo agent counts the messages it is given: each run sees only its own chat's.
    expect((await cli(home, ['chat', '-c', 'work', '-m', 'one'])).stdout).toBe('echo: one (1 messages)\n');
    expect((await cli(home, ['chat', '-c', 'work', '-m', 'two'])).stdout).toBe('echo: two (1 messages)\n');
    expect((await cli(home, ['chat', '-c', 'home', '-m', 'three'])).stdout).toBe(
      'echo: three (1 messages)\n',
    );
    expect((await cli(home, ['chat', '-a', 'helper', '-c', 'work', '-m', 'four'])).stdout).toBe(
      'echo: four (1 messages)\n',
    );
    // Each conversation keeps its own history and cursor, with the agent it was opened with.
    const db = new Database(join(home.home, 'omniclaw.db'), { readonly: true });
    const rows = db
      .prepare(
        "SELECT agent, chat, (SELECT COUNT(*) FROM messages m WHERE m.chat = c.chat) AS n FROM cursors c WHERE chat IN ('local:work', 'local:home', 'local:helper--work') ORDER BY chat",
      )
      .all();
    db.close();
    expect(rows).toEqual([
      { agent: 'helper', chat: 'local:helper--work', n: 1 },
      { agent: 'main', chat: 'local:home', n: 1 },
      { agent: 'main', chat: 'local:work', n: 2 },
    ]);
    const result = await cli(home, ['chat', '-c', 'no/such', '-m', 'x']);
    expect(result.stderr).toContain('the chat name "no/such"');
    expect(result.code).toBe(2);
  });
});

describe('npm install scripts', () => {
  it('approves every dependency install script in package.json (npm 11 allowScripts)', async () => {
    const { execFileSync } = await import('node:child_process');
    const pending = JSON.parse(
      execFileSync('npm', ['approve-scripts', '--allow-scripts-pending', '--json'], {
        cwd: join(import.meta.dirname, '..', '..'),
        encoding: 'utf8',
      }),
    ) as { allowScripts: unknown[] };
    expect(pending.allowScripts).toEqual([]);
  });
});
