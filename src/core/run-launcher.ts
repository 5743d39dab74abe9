/**
 * Starting a runner for an agent: pick its sandbox, grant it a gateway token, build the
 * sandbox spec (mounts, limits, env without secrets) and start it.
 */
import { INSTALLED_RUNNER, PROJECT_ROOT } from '../config/install.js';
import type { AgentConfig } from '../config/normalise.js';
import type { HostContext } from './host-context.js';
import { configSecrets } from '../config/secrets.js';
import { createBackendChooser } from '../sandbox/choose.js';
import { sandboxSpecBuilder, type RunnerProgram } from '../sandbox/spec-builder.js';
import type { ModelEndpoint, Workspace } from '../protocol/runner-protocol.js';
import type { AgentProcess, SandboxBackend, SandboxSpec } from '../sandbox/types.js';
import type { Gateway, RunGrant } from '../gateway/types.js';
import { watchDisk } from '../sandbox/disk-watchdog.js';
import { UserFacingError } from './failure-notice.js';
import { SandboxStartError } from '../sandbox/start-error.js';
import type { Logger } from 'pino';

export interface LaunchedRun {
  process: AgentProcess;
  workspace: Workspace;
  endpoints: { anthropic?: ModelEndpoint; openai?: ModelEndpoint };
  httpProxy?: string;
  /** The sandbox kind it runs in (bwrap, docker, …), for the log. */
  sandbox?: string;
  /** Revokes the run's gateway token; called when the process has exited. */
  release(): void;
}

export interface RunLauncher {
  launch(agent: AgentConfig, runId: string): Promise<LaunchedRun>;
}

export interface SpecRequest {
  agent: AgentConfig;
  runId: string;
  backend: SandboxBackend;
  grant?: RunGrant;
}

export interface SandboxLauncherOptions {
  backendFor: (agent: AgentConfig) => Promise<SandboxBackend>;
  /** Builds the spec; it refuses (throws) when the environment would hold a real secret. */
  buildSpec: (request: SpecRequest) => { spec: SandboxSpec; workspace: Workspace; diskFolders?: string[] };
  gateway?: Gateway;
  /** Options for the disk watchdog (tests make it quick). */
  disk?: { minIntervalMs?: number };
  logger?: Logger;
}

export class SandboxLauncher implements RunLauncher {
  constructor(private readonly options: SandboxLauncherOptions) {}

  async launch(agent: AgentConfig, runId: string): Promise<LaunchedRun> {
    const backend = await this.options.backendFor(agent);
    const grant = this.options.gateway?.grant({
      runId,
      agentId: agent.id,
      allowHosts: agent.network.allowHosts,
      transport: backend.mapsPaths && backend.kind !== 'apple-container' ? 'socket' : 'tcp',
    });
    try {
      let built: ReturnType<SandboxLauncherOptions['buildSpec']>;
      try {
        built = this.options.buildSpec({ agent, runId, backend, grant });
      } catch (err) {
        // The host's own refusal (a secret in the env, a bad mount): written for people, so
        // the chat hears it. The backend's errors below (docker stderr) are not.
        const message = (err as Error).message;
        throw new UserFacingError(`Sorry, I could not start the sandbox: ${message}`, message);
      }
      const { spec, workspace, diskFolders } = built;
      const started = await backend.start(spec).catch((err: unknown) => {
        // A machine down or on another version: the backend wrote the chat's sentence.
        throw err instanceof SandboxStartError ? new UserFacingError(err.userText, err.message) : err;
      });
      // No quota on the usual file systems: the host watches the folders while the run lives.
      const process =
        spec.limits.diskMb && diskFolders?.length
          ? watchDisk(started, {
              agentId: agent.id,
              folders: diskFolders,
              limitMb: spec.limits.diskMb,
              minIntervalMs: this.options.disk?.minIntervalMs,
              logger: this.options.logger,
            })
          : started;
      return {
        process,
        workspace,
        endpoints: grant?.endpoints ?? {},
        httpProxy: grant?.httpProxy,
        sandbox: backend.kind,
        release: () => grant?.revoke(),
      };
    } catch (err) {
      grant?.revoke();
      throw err;
    }
  }
}

export interface HostLauncherOptions extends HostContext {
  gateway?: Gateway;
  /** Override sandbox selection (tests); default: the configured or detected backend. */
  backendFor?: (agent: AgentConfig) => Promise<SandboxBackend>;
  /** Default: this install's runner package and project folder (config/install.ts). */
  runner?: RunnerProgram;
  projectRoot?: string;
  /** Agents that run on another machine get its backend; the rest the local choice (machines.ts). */
  remote?: (
    local: (agent: AgentConfig) => Promise<SandboxBackend>,
  ) => (agent: AgentConfig) => Promise<SandboxBackend>;
}

export interface HostLauncher {
  launcher: SandboxLauncher;
  /** Can the main agent's sandbox run here (for /readyz)? */
  mainSandbox(): Promise<{ kind: string; available: boolean; why: string }>;
}

/** The host's launcher: the sandbox chosen per agent, the spec built with no secret in it. */
export function hostLauncher(options: HostLauncherOptions): HostLauncher {
  const { config, paths, logger } = options;
  const local = createBackendChooser({ config, logger, paths });
  const backendFor = options.backendFor ?? options.remote?.(local) ?? local;
  const buildSpec = sandboxSpecBuilder({
    paths,
    projectRoot: options.projectRoot ?? PROJECT_ROOT,
    runner: options.runner ?? INSTALLED_RUNNER,
    secrets: configSecrets(config),
  });
  const main = config.agents.find((a) => a.main) ?? config.agents[0]!;
  return {
    launcher: new SandboxLauncher({ backendFor, gateway: options.gateway, logger, buildSpec }),
    mainSandbox: async () => {
      const backend = await backendFor(main);
      return { kind: backend.kind, ...(await backend.detect()) };
    },
  };
}
