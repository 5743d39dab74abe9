/** The scheduler's metrics, on the host's registry (results use the existing omniclaw_task_results_total). */
import { Gauge, Histogram, type Registry } from 'prom-client';

export function schedulerMetrics(registry: Registry, nextDue: () => number | undefined) {
  return {
    lateness: new Histogram({
      name: 'omniclaw_task_lateness_seconds',
      help: 'From a task being due to its run being claimed and queued',
      labelNames: ['kind'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30, 60, 300],
      registers: [registry],
    }),
    nextDue: new Gauge({
      name: 'omniclaw_task_next_due_timestamp_seconds',
      help: 'When the next active task is due (Unix time; absent when none is)',
      registers: [registry],
      collect() {
        const at = nextDue();
        if (at === undefined) this.reset();
        else this.set(at / 1000);
      },
    }),
  };
}
