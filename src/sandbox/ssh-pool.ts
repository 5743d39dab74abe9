/**
 * The machines of the config, one link each, and the routing of an agent to one of them:
 * `runsOn.machine` names one; `runsOn.labels` takes the machines carrying all the labels,
 * machines not known to be down first, and falls back to the next when one fails to start
 * the run. When none can, the chat hears which machines and what to run.
 */
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/normalise.js';
import { candidateMachines, parseSshAddress, type MachineConfig } from '../config/machines.js';
import { controlPathFor } from './ssh-args.js';
import { MachineLink, refusal, type MachineHealth } from './ssh-link.js';
import { SshSandbox } from './ssh.js';
import { SandboxStartError } from './start-error.js';
import type { AgentProcess, Detection, SandboxBackend, SandboxSpec } from './types.js';

export interface MachinePoolOptions {
  machines: readonly MachineConfig[];
  instanceId: string;
  /** Folder of the control sockets (ssh-args.ts controlDirFor). */
  controlDir: string;
  sshPath?: string;
  /** The host gateway's Unix socket, forwarded to every machine (none: remote agents get no gateway). */
  gatewaySocket?: string;
  logger?: Logger;
  now?: () => number;
}

export class MachinePool {
  private readonly links = new Map<string, MachineLink>();
  private readonly sandboxes = new Map<string, SshSandbox>();

  constructor(private readonly options: MachinePoolOptions) {
    for (const machine of options.machines) {
      const address = parseSshAddress(machine.ssh);
      if (typeof address === 'string') throw new Error(`machine "${machine.name}": ${address}`);
      const link = new MachineLink(
        { machine, address, controlPath: controlPathFor(options.controlDir, machine) },
        {
          instanceId: options.instanceId,
          hostGatewaySocket: options.gatewaySocket,
          sshPath: options.sshPath,
          logger: options.logger,
          now: options.now,
        },
      );
      this.links.set(machine.name, link);
      this.sandboxes.set(
        machine.name,
        new SshSandbox(link, { sshPath: options.sshPath, logger: options.logger }),
      );
    }
  }

  health(): MachineHealth[] {
    return [...this.links.values()].map((link) => link.health());
  }

  sandbox(name: string): SshSandbox | undefined {
    return this.sandboxes.get(name);
  }

  /** The backend of an agent that runs elsewhere: routes each start to one of its machines. */
  backendFor(agent: AgentConfig): SandboxBackend {
    const names = candidateMachines(agent.runsOn, this.options.machines).map((m) => m.name);
    return new RoutedSshBackend(
      agent.id,
      names.map((n) => this.sandboxes.get(n)!),
      this.options.logger,
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((link) => link.close()));
  }
}

class RoutedSshBackend implements SandboxBackend {
  readonly kind = 'ssh' as const;
  readonly mapsPaths = true;

  constructor(
    private readonly agentId: string,
    private readonly candidates: SshSandbox[],
    private readonly logger?: Logger,
  ) {}

  async detect(): Promise<Detection> {
    const found = await Promise.all(this.candidates.map((c) => c.detect()));
    const ok = found.find((d) => d.available);
    return ok ?? { available: false, why: found.map((d) => d.why).join('; ') };
  }

  async start(spec: SandboxSpec): Promise<AgentProcess> {
    // Not known to be down first (in config order); a down machine is still tried last: it may be back.
    const order = [...this.candidates].sort(
      (a, b) => Number(a.link.health().state === 'down') - Number(b.link.health().state === 'down'),
    );
    const failures: SandboxStartError[] = [];
    for (const sandbox of order) {
      try {
        return await sandbox.start(spec);
      } catch (err) {
        const failure =
          err instanceof SandboxStartError
            ? err
            : new SandboxStartError(refusal(sandbox.link.name, 'failed'), (err as Error).message);
        failures.push(failure);
        this.logger?.warn(
          { agent: this.agentId, machine: sandbox.link.name, err: failure.message },
          order.length > failures.length
            ? 'machine failed; trying the next one with the labels'
            : 'machine failed',
        );
        if (!failure.tryElsewhere) break;
      }
    }
    if (failures.length === 1) throw failures[0]!;
    const names = order.map((s) => `"${s.link.name}"`).join(', ');
    throw new SandboxStartError(
      `Sorry, none of the machines I can run on (${names}) answered, so I could not answer. \`omniclaw machines check\` on the main machine says why.`,
      failures.map((f) => f.message).join('; '),
    );
  }
}
