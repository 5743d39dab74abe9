/**
 * What every Claude runner test file set up by hand: per test, a fake Messages API, a fresh
 * workspace, and the runners `launch` started; all closed after the test.
 */
import { afterEach, beforeEach } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../../../test/fakes/fake-anthropic.js';
import { makeWorkspace, startRunner, type RunnerHandle, type TestWorkspace } from './runner-harness.js';

export interface ClaudeRunnerFixture {
  readonly fake: FakeAnthropic;
  readonly ws: TestWorkspace;
  /** A runner on this test's workspace (closed after the test); arguments as startRunner's. */
  launch(env?: Record<string, string>, options?: { engineDefaults?: boolean }): RunnerHandle;
}

export function claudeRunnerFixture(): ClaudeRunnerFixture {
  let fake: FakeAnthropic | undefined;
  let ws: TestWorkspace | undefined;
  const runners: RunnerHandle[] = [];
  beforeEach(async () => {
    fake = await startFakeAnthropic();
    ws = makeWorkspace();
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.close()));
    await fake?.close();
    ws?.remove();
  });
  const current = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`${name} is set up per test: use it inside a test or a hook`);
    return value;
  };
  return {
    get fake() {
      return current(fake, 'the fake Messages API');
    },
    get ws() {
      return current(ws, 'the workspace');
    },
    launch(env = {}, options = {}) {
      const runner = startRunner(current(ws, 'the workspace'), env, options);
      runners.push(runner);
      return runner;
    },
  };
}
