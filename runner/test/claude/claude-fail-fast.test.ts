/**
 * The Claude engine's limits when an agent sets none: a model API that accepts the request
 * and never answers ends the run with an error within a minute, so the chat is told, instead
 * of the engine's own 10-minute time-out and ten retries. (The engine's own limits are in
 * force only when the agent's `env:` sets API_TIMEOUT_MS / CLAUDE_CODE_MAX_RETRIES.)
 */
import { describe, expect, it } from 'vitest';
import { hang } from '../../../test/fakes/fake-anthropic.js';
import { startCommand, type RunnerHandle } from './runner-harness.js';
import { claudeRunnerFixture } from './claude-fixture.js';

const t = claudeRunnerFixture();
let runner: RunnerHandle;

describe('claude runtime default limits', () => {
  it('ends the run with an error within a minute when the model API hangs and the agent sets no limits', async () => {
    t.fake.script(hang(), hang(), hang());
    runner = t.launch({}, { engineDefaults: true });
    const started = performance.now();
    runner.send(startCommand(t.ws, t.fake.url));
    const error = await runner.waitFor('error', undefined, 75_000);
    const elapsed = performance.now() - started;

    expect(error).toMatchObject({ type: 'error', fatal: true, turnId: 'turn-1' });
    expect(error.message).toMatch(/Claude API request failed.*timed out/i);
    expect(elapsed).toBeLessThan(60_000);
    // One attempt and one retry, each waiting the default 20 s.
    expect(t.fake.modelRequests()).toHaveLength(2);
  }, 90_000);
});
