import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LOGGER = fileURLToPath(new URL('../../src/observability/logger.ts', import.meta.url));

function withoutForceColor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _ignored, ...rest } = env;
  return rest;
}

/** Runs `body` in a fresh Node with the logger imported; returns its stderr and exit code. */
function runWithLogger(body: string): { stderr: string; status: number | null } {
  const script = `import { createLogger } from ${JSON.stringify(LOGGER)};\n${body}`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...withoutForceColor(process.env), NO_COLOR: '1' },
    timeout: 20_000,
  });
  return { stderr: result.stderr, status: result.status };
}

describe('the terminal logger (pretty)', () => {
  it('writes in this thread: no worker is started, and a line logged just before exit is on stderr', () => {
    const { stderr, status } = runWithLogger(`
      const { readdirSync } = await import('node:fs');
      const threads = () => readdirSync('/proc/self/task').length;
      const before = threads();
      const log = createLogger({ pretty: true });
      log.info({ agent: 'main' }, 'message accepted');
      await new Promise((r) => setTimeout(r, 300));
      // A pino.transport is a worker thread: a second V8 heap, 10 MB of the idle daemon's RSS.
      process.stderr.write('threads added: ' + (threads() - before) + '\\n');
      log.info('last words');
      process.exit(0);
    `);
    expect(status).toBe(0);
    expect(stderr).toMatch(/^\[\d\d:\d\d:\d\d\] INFO \(\d+\): message accepted$/m);
    expect(stderr).toMatch(/agent: "main"/);
    expect(stderr).toContain('threads added: 0');
    expect(stderr).toMatch(/INFO \(\d+\): last words$/m);
  });

  it('scrubs secrets and redacts token fields in pretty lines as in JSON ones', () => {
    const { stderr } = runWithLogger(`
      const log = createLogger({ pretty: true, secrets: ['xoxb-very-secret-token'] });
      log.warn({ telegram: { token: 'abc' } }, 'rejected xoxb-very-secret-token');
    `);
    expect(stderr).toContain('rejected [redacted]');
    expect(stderr).not.toContain('xoxb-very-secret-token');
    expect(stderr).not.toContain('"abc"');
  });
});
