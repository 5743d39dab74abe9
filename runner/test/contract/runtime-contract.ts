/**
 * What every runtime must do, shown through the real compiled runner with the runtime's
 * real engine against a fake model server on 127.0.0.1. claude.contract.test.ts,
 * openai.contract.test.ts, codex.contract.test.ts and opencode.contract.test.ts run this
 * same suite; each only says how to script its fake model.
 *
 * A model failure must reach the host as an `error` for that turn and never as a `reply`:
 * the host then tells the chat one short sentence (src/core/failure-notice.ts) and logs the
 * raw error with the run and turn ids. A case a runtime cannot pass yet is listed in
 * `pending` with the reason and is skipped (reported as skipped, never as passing) until the
 * entry is removed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RuntimeKind, StartCommand } from '../../../src/protocol/runner-protocol.js';
import {
  answerToolCalls,
  childPids,
  makeWorkspace,
  processesGone,
  startCommand,
  startRunner,
  type RunnerHandle,
  type TestWorkspace,
} from '../claude/runner-harness.js';

export type ModelFailure = 'http_500' | 'http_529' | 'timeout' | 'cut_stream';

/** A fake model server scripted in the terms of the contract. */
export interface ContractModel {
  /** What `start.endpoints` carries for this runtime. */
  endpoints: StartCommand['endpoints'];
  text(text: string): void;
  /** The model calls the host's send_message agent tool. */
  sendMessage(text: string): void;
  failure(kind: ModelFailure): void;
  /** The model never answers (for cancelling a run mid-turn). */
  hang(): void;
  /** Every main-loop model request so far, as text (for "did the model see X"). */
  requests(): string[];
  close(): Promise<void>;
}

export interface RuntimeSubject {
  runtime: RuntimeKind;
  model: string;
  /** Short limits so failures end within seconds. */
  env: Record<string, string>;
  startModel(): Promise<ContractModel>;
  /** The engine runs inside the runner process (no engine process to keep warm). */
  inProcess?: boolean;
  /** Cases this runtime cannot pass yet, with why (and who re-enables them). */
  pending?: Partial<Record<ContractCase, string>>;
  /** Longest wait for one turn. */
  turnTimeoutMs?: number;
}

export type ContractCase =
  | 'text turn'
  | 'tool round trip'
  | 'warm follow-up'
  | 'resume after restart'
  | 'memory'
  | 'usage'
  | `model error: ${ModelFailure}`
  | 'cancel';

const FAILURES: ModelFailure[] = ['http_500', 'http_529', 'timeout', 'cut_stream'];

/** Every pid under `pid`, the engine and what it started. */
function descendants(pid: number): number[] {
  const all: number[] = [];
  for (const child of childPids(pid)) all.push(child, ...descendants(child));
  return all;
}

export function runtimeContract(subject: RuntimeSubject): void {
  const turnTimeout = subject.turnTimeoutMs ?? 60_000;
  let model: ContractModel;
  let ws: TestWorkspace;
  const runners: RunnerHandle[] = [];

  const caseIt = (name: ContractCase, body: () => Promise<void>): void => {
    const pending = subject.pending?.[name];
    if (pending) it.skip(`${name} (pending: ${pending})`, body);
    else it(name, body, turnTimeout * 3);
  };

  const launch = (overrides: Partial<StartCommand> = {}): RunnerHandle => {
    const runner = startRunner(ws, subject.env);
    runners.push(runner);
    answerToolCalls(runner, (name, args) => ({
      ok: true,
      content: `delivered ${name} ${JSON.stringify(args)} as message 42`,
    }));
    runner.send(
      startCommand(ws, 'unused', {
        runtime: subject.runtime,
        model: subject.model,
        endpoints: model.endpoints,
        ...overrides,
      }),
    );
    return runner;
  };
  const doneOf = (runner: RunnerHandle, turnId: string) =>
    runner.waitFor('done', (e) => e.turnId === turnId, turnTimeout);
  const repliesOf = (runner: RunnerHandle, turnId: string): string[] =>
    runner.events.flatMap((e) => (e.type === 'reply' && e.turnId === turnId ? [e.text] : []));

  describe(`runtime contract: ${subject.runtime}`, () => {
    beforeEach(async () => {
      model = await subject.startModel();
      ws = makeWorkspace();
    });
    afterEach(async () => {
      await Promise.all(runners.splice(0).map((r) => r.close()));
      await model.close();
      ws.remove();
    });

    caseIt('text turn', async () => {
      model.text('Hello from the model.');
      const runner = launch();
      await runner.waitFor('ready', undefined, turnTimeout);
      await doneOf(runner, 'turn-1');
      expect(repliesOf(runner, 'turn-1')).toEqual(['Hello from the model.']);
      expect(runner.events.some((e) => e.type === 'session')).toBe(true);
      expect(runner.garbage).toEqual([]);
    });

    caseIt('tool round trip', async () => {
      model.sendMessage('from the agent');
      model.text('Sent it.');
      const runner = launch();
      await doneOf(runner, 'turn-1');
      const call = runner.events.find((e) => e.type === 'tool_call');
      expect(call).toMatchObject({
        type: 'tool_call',
        name: 'send_message',
        args: { text: 'from the agent' },
      });
      // The host's answer reached the model.
      expect(model.requests().at(-1)).toContain('as message 42');
      expect(repliesOf(runner, 'turn-1')).toEqual(['Sent it.']);
    });

    caseIt('warm follow-up', async () => {
      model.text('First answer.');
      model.text('Second answer.');
      const runner = launch({ prompt: 'my name is Ada' });
      await doneOf(runner, 'turn-1');
      const engineBefore = descendants(runner.child.pid!);
      runner.send({ type: 'message', turnId: 'turn-2', text: 'what is my name?' });
      await doneOf(runner, 'turn-2');
      expect(repliesOf(runner, 'turn-2')).toEqual(['Second answer.']);
      // The follow-up went into the same conversation...
      expect(model.requests().at(-1)).toContain('my name is Ada');
      // ...of the same live engine: no engine process was started for it.
      if (!subject.inProcess) {
        expect(engineBefore.length).toBeGreaterThan(0);
        const engineAfter = descendants(runner.child.pid!);
        expect(engineAfter).toEqual(expect.arrayContaining(engineBefore));
      }
    });

    caseIt('resume after restart', async () => {
      model.text('Noted.');
      model.text('You said the word.');
      const first = launch({ prompt: 'remember the word TANGERINE' });
      await doneOf(first, 'turn-1');
      const session = first.events.find((e) => e.type === 'session');
      expect(session).toBeDefined();
      await first.close();

      const second = launch({
        runId: 'run-2',
        sessionId: session!.type === 'session' ? session!.sessionId : undefined,
        prompt: 'which word?',
      });
      await doneOf(second, 'turn-1');
      expect(repliesOf(second, 'turn-1')).toEqual(['You said the word.']);
      expect(model.requests().at(-1)).toContain('TANGERINE');
    });

    caseIt('memory', async () => {
      writeFileSync(join(ws.agentDir, 'CLAUDE.md'), '# Memory\nThe user likes PAPAYA-42.\n');
      writeFileSync(join(ws.globalDir, 'CLAUDE.md'), '# Global\nAlways sign with KIWI-7.\n');
      model.text('ok');
      const runner = launch();
      await doneOf(runner, 'turn-1');
      const first = model.requests()[0] ?? '';
      expect(first).toContain('PAPAYA-42');
      expect(first).toContain('KIWI-7');
    });

    caseIt('usage', async () => {
      model.text('counted');
      const runner = launch();
      const done = await doneOf(runner, 'turn-1');
      expect(done.usage?.inputTokens).toBeGreaterThan(0);
      expect(done.usage?.outputTokens).toBeGreaterThan(0);
    });

    for (const failure of FAILURES) {
      caseIt(`model error: ${failure}`, async () => {
        model.failure(failure);
        const runner = launch();
        const error = await runner.waitFor('error', (e) => e.turnId === 'turn-1', turnTimeout);
        // The turn ends: `done` (the runtime goes on) or a fatal error (the run ends).
        if (!error.fatal) await doneOf(runner, 'turn-1');
        else await runner.exited;
        // It was the model that failed (not, say, the engine's start)...
        expect(model.requests().length).toBeGreaterThan(0);
        // ...and the raw error is the log's (the host logs it with the run id); never the chat's.
        expect(error.message.length).toBeGreaterThan(0);
        expect(repliesOf(runner, 'turn-1')).toEqual([]);
      });
    }

    caseIt('cancel', async () => {
      model.hang();
      const runner = launch();
      await runner.waitFor('ready', undefined, turnTimeout);
      const until = Date.now() + turnTimeout;
      while (model.requests().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(model.requests().length).toBeGreaterThan(0);
      const engine = descendants(runner.child.pid!);
      runner.send({ type: 'stop', reason: 'cancelled by the user' });
      const exit = await runner.exited;
      expect(exit.code).toBe(0);
      expect(repliesOf(runner, 'turn-1')).toEqual([]);
      expect(await processesGone(engine)).toBe(true);
    });
  });
}
