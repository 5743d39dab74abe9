/**
 * Failures the user must hear about, end to end through the real host in bwrap: a model API
 * that accepts the request and never answers (the engine's limits come from the agent's
 * `env` in omniclaw.yaml), and a config that would put a real secret into a sandbox's
 * environment (refused before anything starts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureNotice } from '../../src/core/failure-notice.js';
import type { App } from '../../src/app.js';
import { hang } from '../fakes/fake-anthropic.js';
import { createE2eWorld, omniclaw, startE2eApp, type E2eWorld } from './helpers.js';
import { storeDatabase } from '../../src/store/index.js';

describe('failures reach the user', () => {
  let world: E2eWorld;
  let app: App;

  beforeAll(async () => {
    world = await createE2eWorld(['main', 'leaky', 'plain']);
    app = await startE2eApp(
      world,
      [
        'agents:',
        '  - id: main',
        '    main: true',
        '    sandbox: bwrap',
        '    env: { CLAUDE_CODE_MAX_RETRIES: "0", API_TIMEOUT_MS: "2000" }',
        // No engine limits of its own: the runner's defaults apply.
        '  - id: plain',
        '    sandbox: bwrap',
        '  - id: leaky',
        '    sandbox: bwrap',
        `    env: { MY_SETTING: "prefix-${world.key}" }`,
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await app?.stop();
    await world?.close();
  });

  it('tells the user within seconds when the model API hangs', async () => {
    world.model.script(hang());
    const started = performance.now();
    const chat = await omniclaw(world, ['chat', '-m', 'are you there?'], 45_000);
    const elapsed = performance.now() - started;

    expect(chat.code).toBe(1);
    // One sentence for the person; the upstream error is in the daemon's log, not the chat.
    expect(chat.stdout).toContain(failureNotice('model'));
    expect(chat.stdout).not.toMatch(/Claude API request failed|https?:\/\//);
    expect(elapsed).toBeLessThan(30_000); // "within seconds", with room for a loaded 2-core machine
    expect(world.model.modelRequests()).toHaveLength(1); // no retries: the env reached the engine
    const run = storeDatabase(app.store).prepare("SELECT status, error FROM runs WHERE agent = 'main'").get();
    expect(run).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('Claude API request failed'),
    });
  });

  it('tells the user within a minute when the model API hangs and the agent sets no engine limits', async () => {
    world.model.script(hang(), hang(), hang());
    const before = world.model.modelRequests().length;
    const started = performance.now();
    const chat = await omniclaw(world, ['chat', '-a', 'plain', '-m', 'are you there?'], 90_000);
    const elapsed = performance.now() - started;

    expect(chat.code).toBe(1);
    expect(chat.stdout).toContain(failureNotice('model'));
    expect(elapsed).toBeLessThan(60_000);
    expect(world.model.modelRequests().length - before).toBe(2); // one attempt and one retry
  }, 120_000);

  it('refuses to start a sandbox whose configured env holds a real secret, and says so', async () => {
    const requestsBefore = world.model.requests.length;
    const chat = await omniclaw(world, ['chat', '-a', 'leaky', '-m', 'hello'], 45_000);

    expect(chat.code).toBe(1);
    expect(chat.stdout).toMatch(/could not start the sandbox: .*MY_SETTING .*secret/);
    expect(chat.stdout).not.toContain(world.key);
    expect(chat.stderr).not.toContain(world.key);
    expect(world.model.requests.length).toBe(requestsBefore);
  });
});
