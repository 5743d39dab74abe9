/**
 * Model API failures end a Claude run with a clear error within seconds (the host passes
 * low CLAUDE_CODE_MAX_RETRIES / API_TIMEOUT_MS), and the runner exits instead of hanging.
 */
import { describe, expect, it } from 'vitest';
import { apiError, hang, type FakeReply } from '../../../test/fakes/fake-anthropic.js';
import { startCommand, type RunnerHandle } from './runner-harness.js';
import { claudeRunnerFixture } from './claude-fixture.js';

const t = claudeRunnerFixture();
let runner: RunnerHandle;

const cases: { name: string; reply: FakeReply; expected: RegExp }[] = [
  {
    name: 'a 500 internal error',
    reply: apiError(500),
    expected: /Claude API request failed \(HTTP 500\).*api_error/,
  },
  {
    name: 'a 529 overloaded error',
    reply: apiError(529),
    expected: /Claude API request failed \(HTTP 529\).*overloaded/,
  },
  { name: 'a hung request', reply: hang(), expected: /Claude API request failed/ },
];

describe('claude runtime API failures', () => {
  for (const { name, reply, expected } of cases) {
    it(`ends the run with a clear error after ${name}`, async () => {
      t.fake.script(reply);
      runner = t.launch({ CLAUDE_CODE_MAX_RETRIES: '0', API_TIMEOUT_MS: '2000' });
      const started = performance.now();
      runner.send(startCommand(t.ws, t.fake.url));
      const error = await runner.waitFor('error', undefined, 20_000);
      const exit = await runner.exited;
      const elapsed = performance.now() - started;

      expect(error).toMatchObject({ type: 'error', fatal: true, turnId: 'turn-1' });
      expect(error.message).toMatch(expected);
      expect(error.sessionInvalid).toBeUndefined();
      expect(exit.code).toBe(1);
      expect(elapsed).toBeLessThan(15_000); // "within seconds", with room for a loaded machine
      expect(runner.events.some((e) => e.type === 'reply')).toBe(false);
    });
  }
});
