/**
 * A delegation running when the daemon dies (kill -9), with the daemon as a real process:
 * at the next start it is recorded interrupted — not run again, since the run may already
 * have acted — and the requester is told in its chat and woken, as for a normal result.
 * `omniclaw status --json` shows it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cli,
  DAEMON_CONFIG,
  makeInstance,
  outboxRows,
  readDb,
  startDaemon,
  until,
  type Daemon,
  type Instance,
} from '../helpers/daemon.js';

const instances: Instance[] = [];
const daemons: Daemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  for (const i of instances.splice(0)) i.cleanup();
});

interface Row {
  id: string;
  status: string;
  run_id: string | null;
  error: string | null;
}
const delegations = (home: Instance): Row[] =>
  readDb(home, (db) => db.prepare('SELECT id, status, run_id, error FROM delegations').all() as Row[]);
const delegatedRuns = (home: Instance): number =>
  readDb(
    home,
    (db) => db.prepare("SELECT COUNT(*) FROM runs WHERE kind = 'delegation'").pluck().get() as number,
  );

/**
 * A daemon whose agent research, in a one-time task, delegates to main a task that hangs
 * while the returned marker exists; resolves once main's delegated run is going.
 */
async function daemonWithHangingDelegation(
  config = DAEMON_CONFIG,
): Promise<{ home: Instance; first: Daemon; marker: string; id: string }> {
  const home = makeInstance();
  instances.push(home);
  const marker = join(home.home, '..', 'hold');
  writeFileSync(marker, '');
  // "\u0021" is "!" once parsed, so research's own run does not read the hang command.
  const args = JSON.stringify({ description: `\\u0021hang-if:${marker}` }).replaceAll('\\\\u', '\\u');
  const at = new Date(Date.now() + 8_000).toISOString();
  writeFileSync(
    join(home.home, 'omniclaw.yaml'),
    `${config}  - { id: research, name: Research, sandbox: none }
routes:
  - { chat: "local:default", agent: main }
  - { chat: "local:research", agent: research, requiresTrigger: false }
multiAgent:
  delegate:
    - { from: research, to: main }
tasks:
  - { id: ask1, agent: research, prompt: ${JSON.stringify(`!tool:delegate_task:${args}`)}, at: "${at}" }
`,
  );
  const first = await startDaemon(home);
  daemons.push(first);
  await until(() => delegations(home)[0]?.run_id && delegatedRuns(home) === 1, 'the delegated run to start');
  const [{ id }] = delegations(home) as [Row];
  expect(delegations(home)).toEqual([{ id, status: 'running', run_id: expect.any(String), error: null }]);
  return { home, first, marker, id };
}

/** research, told in its chat and woken: its echo run answers the host message. */
const researchTold = (home: Instance, id: string) =>
  until(
    () =>
      outboxRows(home, 'local:research').find((r) =>
        r.text.includes(`Delegation ${id} to "main" was interrupted`),
      ),
    'research to answer the notice',
  );

describe('a delegation when the daemon is killed', () => {
  it('is recorded interrupted at the next start, not run again, and the requester is told and woken', async () => {
    const { home, first, marker, id } = await daemonWithHangingDelegation();
    first.process.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    rmSync(marker);

    const second = await startDaemon(home);
    daemons.push(second);
    await until(() => delegations(home)[0]?.status === 'interrupted', 'the delegation to be interrupted');
    expect(delegations(home)[0]!.error).toMatch(/the host stopped during the delegation/);
    const told = await researchTold(home, id);
    expect(told.text).toMatch(/^echo: .*Delegate it again if it is still needed/s);
    await new Promise((r) => setTimeout(r, 500)); // a second delegated run would have started by now
    expect(delegatedRuns(home)).toBe(1);

    const status = JSON.parse((await cli(home, ['status', '--json'])).stdout) as {
      delegations: { counts: Record<string, number>; recent: { id: string; status: string }[] };
    };
    expect(status.delegations).toMatchObject({
      counts: { interrupted: 1 },
      recent: [{ id, status: 'interrupted' }],
    });
  }, 90_000);

  it('SIGTERM mid-delegation: the drain stops the run, it is recorded interrupted, and the requester hears it after the restart', async () => {
    const { home, first, marker, id } = await daemonWithHangingDelegation(
      DAEMON_CONFIG.replace('drainTimeoutMs: 20000', 'drainTimeoutMs: 500'),
    );
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    expect(delegations(home)[0]).toMatchObject({
      status: 'interrupted',
      error: expect.stringContaining('host stopped'),
    });
    rmSync(marker);
    const second = await startDaemon(home);
    daemons.push(second);
    expect((await researchTold(home, id)).text).toMatch(/^echo: /);
    await new Promise((r) => setTimeout(r, 500)); // a second delegated run would have started by now
    expect(delegatedRuns(home)).toBe(1);
  }, 90_000);
});
