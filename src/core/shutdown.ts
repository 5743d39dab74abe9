/**
 * The host's shutdown: the parts are stopped in the reverse of the order they were started
 * in, each with a deadline. Each step may fail (a database that cannot be written) or hang
 * (a run that never ends): neither may keep the daemon from stopping, so a step that throws
 * or overruns is logged and the next one runs.
 */
import type { Logger } from 'pino';
import { withDeadline } from './deadline.js';

export interface StopStep {
  name: string;
  stop: () => unknown;
  /** How long the step may take; none: it is synchronous or trusted to be quick (2 s). */
  deadlineMs?: number;
}

export class Lifecycle {
  private readonly steps: StopStep[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  /** A part has started: it is stopped before every part started earlier. */
  started(name: string, stop: () => unknown, deadlineMs?: number): void {
    this.steps.push({ name, stop, deadlineMs });
  }

  /** Stops everything once, newest part first; later calls share the first one's promise. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info('stopping: no new messages; letting running agents finish');
      for (const step of [...this.steps].reverse()) await this.run(step);
      this.logger.info('stopped');
    })();
    return this.stopping;
  }

  private async run({ name, stop, deadlineMs = 2_000 }: StopStep): Promise<void> {
    const outcome = await withDeadline(Promise.resolve().then(stop), deadlineMs).catch((err: Error) => err);
    if (outcome === 'deadline')
      this.logger.error({ step: name, ms: deadlineMs }, 'shutdown step did not finish in time; going on');
    else if (outcome instanceof Error)
      this.logger.error({ step: name, err: outcome.message }, 'shutdown step failed; going on');
  }
}
