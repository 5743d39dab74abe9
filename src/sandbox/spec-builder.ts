/**
 * The launcher's spec factory: the instance, the runner program and the secrets that must
 * not reach a sandbox are fixed once; each run adds its agent, id, backend and gateway
 * grant. The mount allowlist is read again for each run, so an edit applies to the next one.
 */
import type { InstancePaths } from '../config/paths.js';
import type { RunGrant } from '../gateway/types.js';
import type { AgentConfig } from '../config/normalise.js';
import { buildSandboxSpec } from './spec.js';
import { buildRemoteSpec } from './remote-spec.js';
import { defaultAllowlistPath, loadMountAllowlist } from './mounts.js';

/** The runner program a sandbox runs: a folder on the host and its entry, relative to it. */
export interface RunnerProgram {
  hostDir: string;
  main: string;
  /** Only these entries of hostDir are mounted (default: all of it). */
  include?: string[];
}

export interface SpecBuilderOptions {
  paths: InstancePaths;
  projectRoot: string;
  runner: RunnerProgram;
  secrets: string[];
  allowlistPath?: string;
}

export interface SpecFor {
  agent: AgentConfig;
  runId: string;
  /** An `ssh` backend's run gets the remote spec: the other machine mounts its own folders. */
  backend: { kind: string; mapsPaths: boolean };
  grant?: RunGrant;
}

export function sandboxSpecBuilder(
  options: SpecBuilderOptions,
): (run: SpecFor) => ReturnType<typeof buildSandboxSpec> {
  const allowlistPath = options.allowlistPath ?? defaultAllowlistPath();
  return ({ agent, runId, backend, grant }) =>
    backend.kind === 'ssh'
      ? buildRemoteSpec({ agent, runId, grant, secrets: options.secrets })
      : buildSandboxSpec({
          agent,
          paths: options.paths,
          runId,
          projectRoot: options.projectRoot,
          runnerDir: options.runner.hostDir,
          runnerMain: options.runner.main,
          runnerInclude: options.runner.include,
          grant,
          allowlist: loadMountAllowlist(allowlistPath),
          allowlistPath,
          mapsPaths: backend.mapsPaths,
          secrets: options.secrets,
        });
}
