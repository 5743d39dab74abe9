/**
 * Machines (issue 15): other computers that run agents over SSH. The config names them once
 * (`machines:`) and an agent says where it runs (`runsOn:`); without `runsOn` it runs here.
 * Parsing the `user@host[:port]` address is a pure function so the CLI, the schema and the
 * ssh backend agree on it.
 */
import { z } from 'zod';

/** Names become ControlPath and metric labels: keep them boring, like agent ids. */
export const machineNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'a machine name is 1–32 of a-z, 0-9, "-" and "_"')
  .refine((name) => name !== 'local', 'the name "local" means this machine; pick another');

const labelSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,31}$/, 'a label is 1–32 of a-z, 0-9, ".", "-", "_"');

export interface SshAddress {
  user: string;
  host: string;
  port: number;
}

/** `user@host`, `user@host:2222`, `user@[::1]:2222`. A user is required: the remote account is part of the trust. */
export function parseSshAddress(text: string): SshAddress | string {
  const match =
    /^([a-z_][a-z0-9_.-]{0,31})@(\[[0-9a-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]{0,252})(?::(\d{1,5}))?$/i.exec(
      text,
    );
  if (!match) return `"${text}" is not user@host or user@host:port`;
  const port = match[3] === undefined ? 22 : Number(match[3]);
  if (port < 1 || port > 65535) return `port ${port} is outside 1–65535`;
  return { user: match[1]!, host: match[2]!.replace(/^\[|\]$/g, ''), port };
}

export const machineSchema = z.strictObject({
  name: machineNameSchema,
  /** `user@host[:port]`; any name your ssh config or tailnet resolves. */
  ssh: z.string().superRefine((text, ctx) => {
    const parsed = parseSshAddress(text);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  }),
  /** Private key for this machine (default: ssh's own choice, agent or ~/.ssh/id_*). */
  identityFile: z.string().optional(),
  /** What the machine offers (gpu, macos, arm64, …): agents with `runsOn.labels` pick by these. */
  labels: z.array(labelSchema).default([]),
  /** The remote instance directory (absolute; `omniclaw node init` prints it). */
  home: z.string().regex(/^\//, 'an absolute path on the remote machine').optional(),
  /** The remote `omniclaw` command (default `omniclaw` on the remote PATH). */
  command: z.string().min(1).default('omniclaw'),
  /** The remote host key file (known_hosts) to trust; default ssh's own. */
  knownHostsFile: z.string().optional(),
});
export type MachineConfig = z.infer<typeof machineSchema>;

export const runsOnSchema = z.union([
  z.strictObject({ machine: z.union([machineNameSchema, z.literal('local')]) }),
  z.strictObject({ labels: z.array(labelSchema).min(1) }),
]);
export type RunsOn = z.infer<typeof runsOnSchema>;

/** Machines that can run an agent, in the order to try them; empty: it runs here. */
export function candidateMachines(
  runsOn: RunsOn | undefined,
  machines: readonly MachineConfig[],
): MachineConfig[] {
  if (!runsOn) return [];
  if ('machine' in runsOn) return machines.filter((m) => m.name === runsOn.machine);
  return machines.filter((m) => runsOn.labels.every((label) => m.labels.includes(label)));
}

/** Config-time checks: unique names, every `runsOn` names a machine or matches one by labels. */
export function checkMachines(
  machines: readonly MachineConfig[],
  agents: readonly { id: string; runsOn?: RunsOn }[],
): void {
  const seen = new Set<string>();
  for (const [i, machine] of machines.entries()) {
    if (seen.has(machine.name))
      throw new Error(`machines[${i}].name: the machine "${machine.name}" is named twice`);
    seen.add(machine.name);
  }
  for (const [i, agent] of agents.entries()) {
    const runsOn = agent.runsOn;
    if (!runsOn || ('machine' in runsOn && runsOn.machine === 'local')) continue;
    if (candidateMachines(runsOn, machines).length === 0) {
      const wanted =
        'machine' in runsOn
          ? `a machine named "${runsOn.machine}"`
          : `a machine with labels ${runsOn.labels.join(', ')}`;
      throw new Error(
        `agents[${i}].runsOn: no ${wanted} in machines (${[...seen].join(', ') || 'none configured'}); add it with \`omniclaw machines add\``,
      );
    }
  }
}

/** True when the agent runs on another machine (its sandbox is then `ssh`). */
export const runsRemotely = (runsOn: RunsOn | undefined): boolean =>
  runsOn !== undefined && !('machine' in runsOn && runsOn.machine === 'local');
