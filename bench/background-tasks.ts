/**
 * Tasks that are registered but not due (for the scheduler and idle-CPU benchmarks): due a
 * day from now, cron, interval and one-time mixed, spread over `agents` agents a0, a1, ….
 */
import { type Store, storeDatabase } from '../src/store/index.js';

export function registerBackgroundTasks(store: Store, count: number, agents: number): void {
  const far = Date.now() + 24 * 3600_000;
  storeDatabase(store).transaction(() => {
    for (let i = 0; i < count; i++) {
      const kind = i % 3;
      store.tasks.create({
        id: `bg-${i}`,
        agent: `a${i % agents}`,
        chat: `local:bench-${i % agents}`,
        prompt: 'background',
        scheduleType: kind === 0 ? 'cron' : kind === 1 ? 'interval' : 'once',
        scheduleValue:
          kind === 0 ? '0 3 * * *' : kind === 1 ? '3600000' : new Date(far + i * 1000).toISOString(),
        anchorAt: kind === 1 ? far + i : undefined,
        nextRunAt: far + i * 1000,
      });
    }
  })();
}
