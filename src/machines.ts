/**
 * Wiring of the machines (issue 15) into the host: the pool of SSH links, the choice of a
 * backend for an agent that runs elsewhere, the spec such a run gets, and machine state for
 * `status`, `/readyz` and `/metrics`. app.ts calls startMachines and uses what it returns.
 */
import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import type { AgentConfig, Config } from './config/normalise.js';
import type { InstancePaths } from './config/paths.js';
import type { ReadinessCheck } from './observability/http-server.js';
import type { Metrics } from './observability/metrics.js';
import { instanceIdFor } from './sandbox/choose.js';
import { controlDirFor } from './sandbox/ssh-args.js';
import type { MachineHealth } from './sandbox/ssh-link.js';
import { MachinePool } from './sandbox/ssh-pool.js';
import type { SandboxBackend } from './sandbox/types.js';

export interface StartedMachines {
  /** Agents with a remote runsOn go to the pool; the rest to the local chooser. */
  chooser(
    local: (agent: AgentConfig) => Promise<SandboxBackend>,
  ): (agent: AgentConfig) => Promise<SandboxBackend>;
  status(): MachineHealth[];
  readiness: ReadinessCheck;
  close(): Promise<void>;
}

export interface MachinesOptions {
  config: Config;
  paths: InstancePaths;
  logger: Logger;
  metrics: Metrics;
  /** The gateway's Unix socket, forwarded to each machine over its SSH master. */
  gatewaySocket?: string;
  sshPath?: string;
}

export function startMachines(options: MachinesOptions): StartedMachines {
  const { config, paths } = options;
  const pool = new MachinePool({
    machines: config.machines,
    instanceId: instanceIdFor(paths.home),
    controlDir: controlDirFor(paths.home),
    sshPath: options.sshPath,
    gatewaySocket: options.gatewaySocket,
    logger: options.logger,
  });
  const states = ['unknown', 'up', 'down'] as const;
  new Gauge({
    name: 'omniclaw_machine_up',
    help: 'Machine state: 1 for the current one of unknown, up, down',
    labelNames: ['machine', 'state'] as const,
    registers: [options.metrics.registry],
    collect() {
      for (const machine of pool.health()) {
        for (const state of states)
          this.set({ machine: machine.name, state }, machine.state === state ? 1 : 0);
      }
    },
  });
  const backends = new Map<string, SandboxBackend>();
  return {
    chooser: (local) => async (agent) => {
      if (agent.sandbox !== 'ssh') return local(agent);
      let backend = backends.get(agent.id);
      if (!backend) backends.set(agent.id, (backend = pool.backendFor(agent)));
      return backend;
    },
    status: () => pool.health(),
    readiness: {
      name: 'machines',
      // A machine down is reported, not fatal: the agents elsewhere still answer.
      check: () => {
        const down = pool.health().filter((m) => m.state === 'down');
        return {
          ok: true,
          detail: down.length
            ? down.map((m) => `${m.name}: down (${m.detail ?? 'no detail'})`).join('; ')
            : undefined,
        };
      },
    },
    close: () => pool.close(),
  };
}
