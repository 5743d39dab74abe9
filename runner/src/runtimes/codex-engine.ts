/**
 * One warm Codex: a `codex app-server` process with one thread (new, or resumed by id), that
 * runs the turns of a run one after another. A turn is `turn/start`, then the thread's
 * notifications until `turn/completed`.
 *
 * The idle watchdog exists because Codex waits forever for a model endpoint that accepts the
 * connection and never answers; it only counts while no command or tool call is running, and
 * ends the turn with `turn/interrupt` (the process stays warm for the next one).
 */
import {
  AppServerError,
  startCodexAppServer,
  type AppServerExit,
  type CodexAppServer,
} from './codex-app-server.js';
import type { CodexTurnTranslator } from './codex-events.js';

/** How long an interrupted turn may take to end before Codex is stopped. */
const INTERRUPT_GRACE_MS = 5_000;

export interface CodexEngineSpec {
  command: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  model: string;
  developerInstructions: string;
  /** Resume this thread instead of starting one. */
  resumeThreadId: string | undefined;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

export interface CodexTurnOutcome {
  /** The watchdog interrupted the turn: nothing came from the model for idleTimeoutMs. */
  idleTimedOut: boolean;
  /** Codex ended during the turn. */
  exit: AppServerExit | undefined;
}

/** Codex could not resume the thread (unknown id, missing rollout). */
export class ThreadNotResumable extends Error {}

type TurnListener = (method: string, params: Record<string, unknown>) => void;

export class CodexEngine {
  private constructor(
    private readonly server: CodexAppServer,
    readonly threadId: string,
    private readonly setListener: (listener: TurnListener | undefined) => void,
  ) {}

  get pid(): number | undefined {
    return this.server.pid;
  }

  static async start(spec: CodexEngineSpec): Promise<CodexEngine> {
    let listener: TurnListener | undefined;
    const server = await startCodexAppServer({
      command: spec.command,
      cwd: spec.cwd,
      env: spec.env,
      log: spec.log,
      onNotification: ({ method, params }) => listener?.(method, params),
    });
    const threadParams = {
      model: spec.model,
      cwd: spec.cwd,
      // The OmniClaw sandbox is the boundary; Codex's own sandbox would need privileges it lacks there.
      approvalPolicy: 'never',
      sandbox: 'danger-full-access',
      developerInstructions: spec.developerInstructions,
    };
    let threadId: string;
    try {
      const answer = spec.resumeThreadId
        ? await server.request<{ thread: { id: string } }>('thread/resume', {
            ...threadParams,
            threadId: spec.resumeThreadId,
            excludeTurns: true,
          })
        : await server.request<{ thread: { id: string } }>('thread/start', threadParams);
      threadId = answer.thread.id;
    } catch (err) {
      await server.kill();
      if (spec.resumeThreadId && err instanceof AppServerError) throw new ThreadNotResumable(err.message);
      throw err;
    }
    return new CodexEngine(server, threadId, (next) => (listener = next));
  }

  /** One turn; `inputs` are its user texts, in order. */
  async runTurn(
    inputs: string[],
    translator: CodexTurnTranslator,
    options: { idleTimeoutMs: number; signal: AbortSignal },
  ): Promise<CodexTurnOutcome> {
    let idleTimedOut = false;
    let idleTimer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let turnId: string | undefined;
    let settle!: (outcome: CodexTurnOutcome) => void;
    const over = new Promise<CodexTurnOutcome>((resolve) => (settle = resolve));

    const armIdle = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        if (translator.busy()) return armIdle();
        idleTimedOut = true;
        if (turnId) {
          void this.server
            .request('turn/interrupt', { threadId: this.threadId, turnId })
            .catch(() => undefined);
        }
        graceTimer = setTimeout(() => void this.server.kill(), INTERRUPT_GRACE_MS);
      }, options.idleTimeoutMs);
    };

    this.setListener((method, params) => {
      if (params.threadId !== this.threadId) return;
      armIdle();
      translator.handle({ method, params });
      if (method === 'turn/completed') settle({ idleTimedOut, exit: undefined });
    });
    const onAbort = (): void => settle({ idleTimedOut, exit: undefined });
    options.signal.addEventListener('abort', onAbort, { once: true });
    void this.server.exited.then((exit) => settle({ idleTimedOut, exit }));

    armIdle();
    try {
      try {
        const started = await this.server.request<{ turn: { id: string } }>('turn/start', {
          threadId: this.threadId,
          input: inputs.map((text) => ({ type: 'text', text, text_elements: [] })),
        });
        turnId = started.turn.id;
      } catch (err) {
        // Codex ended before answering: the outcome says so. A refusal is a real error.
        if (err instanceof AppServerError) throw err;
      }
      return await over;
    } finally {
      clearTimeout(idleTimer);
      clearTimeout(graceTimer);
      options.signal.removeEventListener('abort', onAbort);
      this.setListener(undefined);
    }
  }

  /** Ends Codex with everything it started. */
  async stop(): Promise<void> {
    this.setListener(undefined);
    await this.server.kill();
  }
}
