import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { silentLogger } from '../../src/observability/logger.js';
import { reconcileDeclaredTasks } from '../../src/scheduler/reconcile.js';
import { heartbeatPromptFrom } from '../../src/scheduler/heartbeat.js';
import { openStore, type Store, storeDatabase } from '../../src/store/index.js';
import { Migrator } from '../../src/store/migration.js';
import { migrations } from '../../src/store/migrations/index.js';

let store: Store;
let dir: string;
afterEach(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const base = `
instance: { timezone: Europe/Berlin }
agents:
  - { id: main, main: true, sandbox: none }
routes:
  - { chat: "tg:1", agent: main }
`;
const now = Date.parse('2026-05-01T10:00:00Z');
const reconcile = (tasks: string) =>
  reconcileDeclaredTasks({
    tasks: store.tasks,
    config: parseConfigText(base + tasks, 't.yaml', { env: {} }),
    now,
    logger: silentLogger(),
  });

describe('declarative tasks', () => {
  it('adds, changes and removes tasks from omniclaw.yaml without losing their run history', () => {
    dir = mkdtempSync(join(tmpdir(), 'omniclaw-rec-'));
    store = openStore(join(dir, 'db'));
    expect(reconcile('tasks:\n  - { id: news, agent: main, prompt: "news", cron: "0 8 * * *" }\n')).toEqual({
      added: ['news'],
      changed: [],
      removed: [],
    });
    expect(store.tasks.get('news')).toMatchObject({
      chat: 'tg:1',
      source: 'config',
      output: 'reply',
      nextRunAt: Date.parse('2026-05-02T06:00:00Z'),
    });
    const row = store.tasks.claim(
      'news',
      store.tasks.get('news')!.nextRunAt!,
      Date.parse('2026-05-02T06:00:00Z'),
      Date.parse('2026-05-03T06:00:00Z'),
    )!;
    store.tasks.finish(row, { status: 'ok', result: 'sent the news' });
    // Unchanged: nothing to do.
    expect(reconcile('tasks:\n  - { id: news, agent: main, prompt: "news", cron: "0 8 * * *" }\n')).toEqual({
      added: [],
      changed: [],
      removed: [],
    });
    expect(
      reconcile('tasks:\n  - { id: news, agent: main, prompt: "the news", cron: "30 7 * * *" }\n').changed,
    ).toEqual(['news']);
    expect(store.tasks.get('news')).toMatchObject({
      prompt: 'the news',
      scheduleValue: '30 7 * * *',
      nextRunAt: Date.parse('2026-05-02T05:30:00Z'),
    });
    expect(reconcile('').removed).toEqual(['news']);
    expect(store.tasks.get('news')!.status).toBe('cancelled');
    expect(store.tasks.runs('news')).toEqual([
      expect.objectContaining({ status: 'ok', result: 'sent the news' }),
    ]);
    // Declared again: back, with its history.
    expect(
      reconcile('tasks:\n  - { id: news, agent: main, prompt: "the news", cron: "30 7 * * *" }\n').changed,
    ).toEqual(['news']);
    expect(store.tasks.get('news')!.status).toBe('active');
  });

  it('never takes over a task an agent created, and says which entry is wrong', () => {
    dir = mkdtempSync(join(tmpdir(), 'omniclaw-rec-'));
    store = openStore(join(dir, 'db'));
    store.tasks.create({
      id: 'mine',
      agent: 'main',
      chat: 'tg:1',
      prompt: 'p',
      scheduleType: 'cron',
      scheduleValue: '0 9 * * *',
      createdBy: 'main',
    });
    expect(() =>
      reconcile('tasks:\n  - { id: mine, agent: main, prompt: "x", cron: "0 8 * * *" }\n'),
    ).toThrow(/tasks\[0\] \(mine\): the id "mine" belongs to a task created by main/);
    expect(() =>
      reconcile('tasks:\n  - { id: bad, agent: main, prompt: "x", cron: "0 25 * * *" }\n'),
    ).toThrow(/tasks\[0\] \(bad\): invalid cron expression/);
    expect(() =>
      parseConfigText(
        base + 'tasks:\n  - { id: two, agent: main, prompt: "x", cron: "0 8 * * *", intervalMs: 60000 }\n',
        't.yaml',
        { env: {} },
      ),
    ).toThrow(/exactly one of cron, intervalMs or at/);
    reconcile('');
    expect(store.tasks.get('mine')!.status).toBe('active');
  });
});

describe('migrations 003 and 004', () => {
  it('go down and up again', () => {
    dir = mkdtempSync(join(tmpdir(), 'omniclaw-rec-'));
    store = openStore(join(dir, 'db'));
    // Only up to 004: the later migrations go down first, so the two under test are the newest.
    new Migrator(storeDatabase(store), migrations).down(migrations.length - 4);
    const migrator = new Migrator(storeDatabase(store), migrations.slice(0, 4));
    const columns = (table: string) =>
      (storeDatabase(store).prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map(
        (c) => c.name,
      );
    expect(columns('task_runs')).toEqual(expect.arrayContaining(['owner', 'lease_until']));
    expect(migrator.down(1)).toEqual([4]);
    expect(columns('task_runs')).not.toContain('lease_until');
    expect(columns('tasks')).not.toContain('declared');
    expect(migrator.up()).toEqual([4]);
    expect(columns('tasks')).toEqual(expect.arrayContaining(['declared', 'budget_notice_at']));
    expect(migrator.down(1)).toEqual([4]);
    expect(migrator.down(1)).toEqual([3]);
    expect(
      storeDatabase(store)
        .prepare("SELECT name FROM sqlite_master WHERE name IN ('tasks', 'task_runs')")
        .all(),
    ).toEqual([]);
    expect(migrator.up()).toEqual([3, 4]);
    expect(store.tasks.list()).toEqual([]);
  });
});

describe('heartbeat prompt from CLAUDE.md', () => {
  it.each([
    ['# Me\n## Heartbeat\nCheck the build.\n## Notes\nno', 'Check the build.'],
    ['## Goals\nShip v2\n', 'Ship v2'],
    ['## heartbeat\n  \n## Goals\n\n', undefined],
    ['# Me\nNothing here', undefined],
    ['```\n## Heartbeat\ninside a code block\n```\n', undefined],
  ])('%j', (markdown, contains) => {
    const prompt = heartbeatPromptFrom(markdown);
    if (contains === undefined) expect(prompt).toBeUndefined();
    else expect(prompt).toContain(contains);
    if (prompt) expect(prompt).not.toContain('no\n');
  });
});
