/**
 * `none`: the runner as a plain child process on the host. For development only: it has
 * no isolation at all, says so loudly, and is never chosen automatically.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { wrapChildProcess } from './child-process.js';
import type { AgentProcess, Detection, SandboxBackend, SandboxSpec } from './types.js';

export class NoSandbox implements SandboxBackend {
  readonly kind = 'none' as const;
  readonly mapsPaths = false;
  private warned = false;

  constructor(private readonly logger?: Logger) {}

  async detect(): Promise<Detection> {
    return { available: true, why: 'always available; NO isolation: the agent runs as you, with your files' };
  }

  async start(spec: SandboxSpec): Promise<AgentProcess> {
    if (!this.warned) {
      this.warned = true;
      this.logger?.warn(
        { agent: spec.agentId },
        'SANDBOX "none": agents run WITHOUT isolation and can read and change everything your user can. Development only.',
      );
    }
    const child = spawn(process.execPath, [join(spec.runner.hostDir, spec.runner.main)], {
      cwd: spec.workdir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: spec.workdir, ...spec.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return wrapChildProcess(child, { timeoutMs: spec.limits.timeoutMs });
  }
}
