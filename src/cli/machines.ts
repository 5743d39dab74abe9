/**
 * `omniclaw machines add|list|check|remove` (issue 15). add/remove edit omniclaw.yaml;
 * check connects to each machine itself (its own SSH master, not the daemon's) and reports
 * reachability, the remote OmniClaw and protocol version, its sandboxes and labels.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { candidateMachines, machineSchema } from '../config/machines.js';
import { instanceIdFor } from '../sandbox/choose.js';
import { controlDirFor } from '../sandbox/ssh-args.js';
import { MachinePool } from '../sandbox/ssh-pool.js';
import { addMachineEntry, removeMachineEntry } from './machines-config.js';
import { cliContext, fail, loadConfig } from './context.js';
import { DaemonNotRunning, request } from './control-client.js';
import type { MachineHealth } from '../sandbox/ssh-link.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerMachines(program: Command): void {
  const machines = program
    .command('machines')
    .description('other computers that run agents over SSH (docs/machines.md)');

  machines
    .command('add <name> <ssh>')
    .description('add a machine: <ssh> is user@host or user@host:port')
    .option('-i, --identity-file <path>', 'the private key for it')
    .option('-l, --label <label>', 'a label (repeat: -l gpu -l linux)', collect, [])
    .option('--home <dir>', 'its instance directory (what `omniclaw node init` printed)')
    .option('--command <command>', 'the omniclaw command there (default omniclaw)')
    .option('--known-hosts <path>', 'a known_hosts file holding its host key')
    .action(
      (
        name: string,
        ssh: string,
        o: { identityFile?: string; label: string[]; home?: string; command?: string; knownHosts?: string },
      ) => {
        const entry = {
          name,
          ssh,
          identityFile: o.identityFile,
          labels: o.label,
          home: o.home,
          command: o.command,
          knownHostsFile: o.knownHosts,
        };
        const parsed = machineSchema.safeParse(entry);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          return fail(`${issue.path.join('.') || 'machine'}: ${issue.message}`);
        }
        const { paths } = cliContext();
        const text = existsSync(paths.config) ? readFileSync(paths.config, 'utf8') : '';
        try {
          writeFileSync(paths.config, addMachineEntry(text, entry), { mode: 0o600 });
        } catch (err) {
          return fail((err as Error).message);
        }
        process.stdout.write(
          `Added machine "${name}". Check it with \`omniclaw machines check ${name}\`; give agents \`runsOn: { machine: ${name} }\`; restart the daemon to use it.\n`,
        );
      },
    );

  machines
    .command('remove <name>')
    .description('remove a machine (no agent may still run on it)')
    .action((name: string) => {
      const context = cliContext();
      const config = loadConfig(context);
      const users = config.agents.filter(
        (a) => a.runsOn && 'machine' in a.runsOn && a.runsOn.machine === name,
      );
      if (users.length)
        return fail(
          `agents ${users.map((a) => a.id).join(', ')} run on "${name}"; change their runsOn first`,
        );
      const text = existsSync(context.paths.config) ? readFileSync(context.paths.config, 'utf8') : '';
      const result = removeMachineEntry(text, name);
      if (!result.removed) return fail(`no machine named "${name}" (see \`omniclaw machines list\`)`);
      writeFileSync(context.paths.config, result.text, { mode: 0o600 });
      process.stdout.write(`Removed machine "${name}"; restart the daemon to drop its connection.\n`);
    });

  machines
    .command('list')
    .description('the configured machines, and their state when the daemon runs')
    .option('--json', 'print machine-readable JSON')
    .action(async (o: { json?: boolean }) => {
      const context = cliContext();
      const config = loadConfig(context);
      let live: MachineHealth[] | undefined;
      try {
        const status = (await request(context.paths.socket, { type: 'status' }, 'status')).status as {
          machines?: MachineHealth[];
        };
        live = status.machines;
      } catch (err) {
        if (!(err instanceof DaemonNotRunning)) throw err;
      }
      const rows = config.machines.map((m) => ({
        name: m.name,
        ssh: m.ssh,
        labels: m.labels,
        agents: config.agents
          .filter(
            (a) =>
              a.sandbox === 'ssh' &&
              candidateMachines(a.runsOn, config.machines).some((c) => c.name === m.name),
          )
          .map((a) => a.id),
        state: live?.find((h) => h.name === m.name)?.state ?? (live ? 'unknown' : 'daemon not running'),
      }));
      if (o.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      if (!rows.length)
        return void process.stdout.write(
          'No machines. Add one with `omniclaw machines add <name> user@host`.\n',
        );
      for (const r of rows) {
        process.stdout.write(
          `${r.name.padEnd(12)} ${r.ssh.padEnd(28)} ${r.state.padEnd(8)} labels: ${r.labels.join(', ') || '-'}; agents: ${r.agents.join(', ') || '-'}\n`,
        );
      }
    });

  machines
    .command('check [name]')
    .description('connect to each machine (or one) and report its version, sandboxes and labels')
    .option('--json', 'print machine-readable JSON')
    .action(async (name: string | undefined, o: { json?: boolean }) => {
      const context = cliContext();
      const config = loadConfig(context);
      const chosen = config.machines.filter((m) => !name || m.name === name);
      if (!chosen.length)
        return fail(
          name ? `no machine named "${name}" (see \`omniclaw machines list\`)` : 'no machines configured',
        );
      // Its own control sockets: the daemon's master stays untouched.
      const pool = new MachinePool({
        machines: chosen,
        instanceId: instanceIdFor(context.paths.home),
        controlDir: controlDirFor(`${context.paths.home}\u0000check`),
      });
      try {
        const results = await Promise.all(
          chosen.map(async (m) => {
            const detection = await pool.sandbox(m.name)!.detect();
            return {
              ...pool.health().find((h) => h.name === m.name)!,
              ok: detection.available,
              why: detection.why,
            };
          }),
        );
        if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
        else {
          for (const r of results) {
            process.stdout.write(
              r.ok
                ? `${r.name}: ok — OmniClaw ${r.version}, sandboxes ${r.sandboxes?.join(', ')}, labels ${r.labels.join(', ') || '-'}\n`
                : `${r.name}: NOT OK — ${r.why}\n`,
            );
          }
        }
        if (results.some((r) => !r.ok)) process.exitCode = 1;
      } finally {
        await pool.close();
      }
    });
}
