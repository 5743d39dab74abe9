/** `omniclaw migrate status|up|down [n]` as a subprocess on a real instance database. */
import { afterAll, describe, expect, it } from 'vitest';
import { cli, makeInstance, readDb } from '../helpers/daemon.js';
import { checksum } from '../../src/store/migration.js';
import { migrations } from '../../src/store/migrations/index.js';
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';

const home = makeInstance();
afterAll(() => home.cleanup());

const tables = (): string[] =>
  readDb(
    home,
    (db) =>
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .pluck()
        .all() as string[],
  );

describe('omniclaw migrate', () => {
  it('walks status → up → status → down ×7 → up', async () => {
    const pending = await cli(home, ['migrate', 'status']);
    expect(pending.code).toBe(0);
    expect(pending.stdout).toBe(
      '0001 initial                  pending  \n0002 reliability              pending  \n0003 tasks                    pending  \n0004 task_leases              pending  \n0005 registered_groups        pending  \n0006 outbox_edit              pending  \n0007 multi_agent              pending  \n',
    );

    const up = await cli(home, ['migrate', 'up']);
    expect(up).toMatchObject({ code: 0, stdout: 'applied 1, 2, 3, 4, 5, 6, 7\n' });
    expect(tables()).toEqual([
      'chats',
      'cursors',
      'delegations',
      'health_probe',
      'messages',
      'outbox',
      'registered_groups',
      'runs',
      'schema_migrations',
      'sessions',
      'share_requests',
      'task_runs',
      'tasks',
    ]);

    const applied = await cli(home, ['migrate']); // status is the default action
    expect(applied.stdout).toMatch(
      /^0001 initial\s+applied {2}\d{4}-\d\d-\d\dT[\d:.]+Z\n0002 reliability\s+applied {2}\d{4}-\d\d-\d\dT[\d:.]+Z\n0003 tasks\s+applied {2}\d{4}-\d\d-\d\dT[\d:.]+Z\n0004 task_leases\s+applied {2}\d{4}-\d\d-\d\dT[\d:.]+Z\n0005 registered_groups\s+applied {2}\d{4}-\d\d-\d\dT[\d:.]+Z\n0006 outbox_edit\s+applied {2}\d{4}-\d\d-\d\dT[\d:.]+Z\n0007 multi_agent\s+applied {2}\d{4}-\d\d-\d\dT[\d:.]+Z\n$/,
    );

    expect(await cli(home, ['migrate', 'up'])).toMatchObject({ code: 0, stdout: 'already up to date\n' });
    expect(await cli(home, ['migrate', 'down'])).toMatchObject({ code: 0, stdout: 'reverted 7\n' });
    expect(tables()).not.toContain('delegations');
    expect(tables()).not.toContain('share_requests');
    expect(await cli(home, ['migrate', 'down'])).toMatchObject({ code: 0, stdout: 'reverted 6\n' });
    expect(await cli(home, ['migrate', 'down'])).toMatchObject({ code: 0, stdout: 'reverted 5\n' });
    expect(tables()).not.toContain('registered_groups');
    expect(await cli(home, ['migrate', 'down'])).toMatchObject({ code: 0, stdout: 'reverted 4\n' });
    expect(await cli(home, ['migrate', 'down'])).toMatchObject({ code: 0, stdout: 'reverted 3\n' });
    expect(await cli(home, ['migrate', 'down'])).toMatchObject({ code: 0, stdout: 'reverted 2\n' });
    expect(tables()).not.toContain('health_probe');
    expect(await cli(home, ['migrate', 'down'])).toMatchObject({ code: 0, stdout: 'reverted 1\n' });
    expect(tables()).toEqual(['schema_migrations']);
    expect(await cli(home, ['migrate', 'down', '1'])).toMatchObject({
      code: 0,
      stdout: 'nothing to revert\n',
    });
    expect(await cli(home, ['migrate', 'up', '1'])).toMatchObject({ code: 0, stdout: 'applied 1\n' });
    expect(await cli(home, ['migrate', 'up'])).toMatchObject({
      code: 0,
      stdout: 'applied 2, 3, 4, 5, 6, 7\n',
    });
  });

  it.each([
    [['migrate', 'down', '0'], /count must be a positive whole number, not "0"/],
    [['migrate', 'up', 'two'], /count must be a positive whole number, not "two"/],
    [['migrate', 'down', '-1'], /count must be a positive whole number|unknown option/],
    [['migrate', 'sideways'], /unknown action "sideways": use status, up or down/],
  ])('refuses %j with a clear message', async (args, message) => {
    const result = await cli(home, args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it('refuses to touch a database whose recorded migration differs from the code, and says what to do', async () => {
    await cli(home, ['migrate', 'up']);
    const db = new BetterSqlite3(join(home.home, 'omniclaw.db'));
    db.prepare("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1").run();
    db.close();
    const before = tables();
    const status = await cli(home, ['migrate', 'status']);
    expect(status.stdout).toMatch(/^0001 initial\s+MISMATCH/);
    for (const action of ['up', 'down']) {
      const result = await cli(home, ['migrate', action]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/migrations 1 \(initial\) do not match.*nothing was changed/);
    }
    expect(tables()).toEqual(before);
    // The daemon refuses to start on it too, with the same explanation.
    const start = await cli(home, ['start']);
    expect(start.code).not.toBe(0);
    expect(start.stderr).toMatch(/do not match this version of OmniClaw/);
    const repair = new BetterSqlite3(join(home.home, 'omniclaw.db'));
    repair
      .prepare('UPDATE schema_migrations SET checksum = ? WHERE version = 1')
      .run(checksum(migrations[0]!));
    repair.close();
    expect((await cli(home, ['migrate', 'status'])).stdout).toMatch(/^0001 initial\s+applied/);
  });
});
