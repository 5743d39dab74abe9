/** `omniclaw outbox list|retry` as a subprocess on a real instance database. */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { cli, makeInstance } from '../helpers/daemon.js';

const home = makeInstance();
afterAll(() => home.cleanup());
const database = join(home.home, 'omniclaw.db');

describe('omniclaw outbox', () => {
  it('lists the failed messages with their error and puts the chosen ones back in the queue', async () => {
    const store = openStore(database);
    const failed = store.outbox.enqueue({
      channel: 'telegram',
      chat: 'tg:42',
      text: 'the reply that never went',
      agent: 'main',
    });
    store.outbox.markFailed(
      failed,
      'Telegram: sending to tg:42 failed: 502 Bad Gateway (still failing after 360 min; gave up)',
    );
    const other = store.outbox.enqueue({ channel: 'telegram', chat: 'tg:43', text: 'another' });
    store.outbox.markFailed(
      other,
      'Telegram: sending to tg:43 failed: 403 Forbidden: bot was blocked by the user',
    );
    const sent = store.outbox.enqueue({ channel: 'telegram', chat: 'tg:44', text: 'fine' });
    store.outbox.markSent(sent, '9');
    store.close();

    const list = await cli(home, ['outbox', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`#${failed}`);
    expect(list.stdout).toContain('the reply that never went');
    expect(list.stdout).toContain('502 Bad Gateway');
    expect(list.stdout).toContain('omniclaw outbox retry');
    expect(list.stdout).not.toContain('fine');
    const json = JSON.parse((await cli(home, ['outbox', 'list', '--json'])).stdout) as { id: number }[];
    expect(json.map((r) => r.id)).toEqual([other, failed]);

    const retry = await cli(home, ['outbox', 'retry', String(failed), String(sent)]);
    expect(retry.code).toBe(0);
    expect(retry.stdout).toMatch(new RegExp(`queued again: ${failed}; they are sent when OmniClaw starts`));
    expect(retry.stderr).toMatch(new RegExp(`left alone: ${sent}`));
    const after = openStore(database);
    expect(after.outbox.get(failed)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(after.outbox.get(sent)?.status).toBe('sent');
    after.close();
  });

  it.each([
    [['outbox', 'retry'], /say which messages/],
    [['outbox', 'retry', 'abc'], /not an outbox id: abc/],
    [['outbox', 'list', '--limit', '0'], /--limit must be a positive whole number/],
  ])('refuses %j with a clear message', async (args, message) => {
    const result = await cli(home, args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });
});
