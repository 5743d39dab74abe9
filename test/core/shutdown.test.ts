/** The shutdown lifecycle: parts stop newest first, once, and a failing or hanging step never blocks the rest. */
import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../../src/core/shutdown.js';
import { silentLogger } from '../../src/observability/logger.js';

describe('the shutdown lifecycle', () => {
  it('stops the parts in the reverse of the order they started', async () => {
    const order: string[] = [];
    const parts = new Lifecycle(silentLogger());
    for (const name of ['database', 'channels', 'intake']) parts.started(name, () => order.push(name));
    await parts.stop();
    expect(order).toEqual(['intake', 'channels', 'database']);
  });

  it('goes on past a step that throws and past one that overruns its deadline', async () => {
    const order: string[] = [];
    const parts = new Lifecycle(silentLogger());
    parts.started('database', () => order.push('database'));
    parts.started('hangs', () => new Promise(() => undefined), 50);
    parts.started('throws', () => {
      throw new Error('disk I/O error');
    });
    await parts.stop();
    expect(order).toEqual(['database']);
  });

  it('stops once however often it is asked', async () => {
    let stops = 0;
    const parts = new Lifecycle(silentLogger());
    parts.started('part', async () => {
      stops++;
      await new Promise((r) => setTimeout(r, 10));
    });
    await Promise.all([parts.stop(), parts.stop()]);
    await parts.stop();
    expect(stops).toBe(1);
  });
});
