/**
 * `omniclaw tasks list|show|pause|resume|cancel|run|logs [--json]`. Reads and changes the
 * database directly (so it works while the daemon is down), with the operator's rights,
 * then tells a running daemon to re-arm its timer. `run` needs the daemon: it runs the task.
 */
import type { Command } from 'commander';
import type { Config } from '../config/normalise.js';
import { openStore, type Store } from '../store/index.js';
import { describeRun, describeTask } from '../scheduler/format.js';
import { TaskRequestError, TaskService } from '../scheduler/task-service.js';
import { cliContext, fail, loadConfig, type CliContext } from './context.js';
import { DaemonNotRunning, request } from './control-client.js';

const operator = { operator: true } as const;

interface Opened {
  context: CliContext;
  config: Config;
  store: Store;
  service: TaskService;
}

function open(): Opened {
  const context = cliContext();
  const config = loadConfig(context);
  const store = openStore(context.paths.database);
  const service = new TaskService({
    tasks: store.tasks,
    timezone: () => config.instance.timezone,
    routes: () => config.routes,
    agents: () => config.agents,
  });
  return { context, config, store, service };
}

/** Runs an action with the store open; rule violations and config errors become CLI errors. */
async function withTasks(action: (o: Opened) => void | Promise<void>): Promise<void> {
  let opened: Opened;
  try {
    opened = open();
  } catch (err) {
    return fail((err as Error).message);
  }
  try {
    await action(opened);
  } catch (err) {
    fail(err instanceof TaskRequestError ? err.message : `tasks: ${(err as Error).message}`);
  } finally {
    opened.store.close();
  }
}

const print = (json: boolean | undefined, value: unknown, text: string): void => {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text + '\n');
};

/** A running daemon re-arms its timer; a stopped one reads the change when it starts. */
async function tellDaemon(socket: string): Promise<void> {
  try {
    await request(socket, { type: 'tasks_changed' }, 'tasks_changed', 3_000);
  } catch (err) {
    if (!(err instanceof DaemonNotRunning)) throw err;
  }
}

export function registerTasks(program: Command): void {
  const tasks = program
    .command('tasks')
    .description('scheduled tasks and heartbeats: list, inspect, pause, resume, cancel, run, logs');

  tasks
    .command('list')
    .description('list tasks (cancelled ones with --all)')
    .option('--all', 'include cancelled tasks')
    .option('--json', 'print machine-readable JSON')
    .action((options: { all?: boolean; json?: boolean }) =>
      withTasks(({ service, config }) => {
        const list = service.list(operator, { includeCancelled: options.all });
        const tz = config.instance.timezone;
        print(
          options.json,
          list,
          list.length ? list.map((t) => describeTask(t, tz)).join('\n') : 'No scheduled tasks.',
        );
      }),
    );

  tasks
    .command('show <id>')
    .description('one task and its latest runs')
    .option('--json', 'print machine-readable JSON')
    .action((id: string, options: { json?: boolean }) =>
      withTasks(({ service, store, config }) => {
        const task = service.get(operator, id);
        const runs = store.tasks.runs(id, 5);
        const tz = config.instance.timezone;
        print(
          options.json,
          { ...task, runs },
          [
            describeTask(task, tz),
            `  prompt (full): ${task.prompt}`,
            'Latest runs:',
            ...runs.map((r) => `  ${describeRun(r, tz)}`),
          ].join('\n'),
        );
      }),
    );

  for (const [name, verb, describe] of [
    ['pause', 'paused', 'pause a task until it is resumed'],
    ['resume', 'resumed', 'resume a paused task'],
    ['cancel', 'cancelled', 'cancel a task for good (its run log stays)'],
  ] as const) {
    tasks
      .command(`${name} <id>`)
      .description(describe)
      .option('--json', 'print machine-readable JSON')
      .action((id: string, options: { json?: boolean }) =>
        withTasks(async ({ service, context }) => {
          const task = service[name](operator, id);
          await tellDaemon(context.paths.socket);
          print(options.json, task, `Task ${task.id} ${verb}.`);
        }),
      );
  }

  tasks
    .command('run <id>')
    .description('run a task now, outside its schedule (needs the daemon)')
    .option('--json', 'print machine-readable JSON')
    .action((id: string, options: { json?: boolean }) =>
      withTasks(async ({ service, context }) => {
        service.get(operator, id);
        try {
          const answer = await request(context.paths.socket, { type: 'task_run', id }, 'task_run');
          print(
            options.json,
            { id, queued: true, runRow: answer.runRow },
            `Task ${id} queued; \`omniclaw tasks logs ${id}\` shows its run.`,
          );
        } catch (err) {
          if (err instanceof DaemonNotRunning)
            throw new TaskRequestError(`${err.message} A task runs only in the daemon.`);
          throw new TaskRequestError(`could not run task ${id}: ${(err as Error).message}`);
        }
      }),
    );

  tasks
    .command('logs <id>')
    .description('the run log of a task, newest first')
    .option('-n, --limit <n>', 'how many runs', '20')
    .option('--json', 'print machine-readable JSON')
    .action((id: string, options: { limit: string; json?: boolean }) =>
      withTasks(({ service, store, config }) => {
        service.get(operator, id);
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new TaskRequestError(`--limit must be a positive whole number, not "${options.limit}"`);
        const runs = store.tasks.runs(id, limit);
        const tz = config.instance.timezone;
        print(
          options.json,
          runs,
          runs.length ? runs.map((r) => describeRun(r, tz)).join('\n') : `Task ${id} has not run yet.`,
        );
      }),
    );
}
