/**
 * The spec of a run on another machine, as the host sends it: no mounts (the agent's folders
 * are that machine's, built there by `omniclaw node run`), the run's environment (checked for
 * secrets here, before it leaves), limits, and the gateway socket the SSH master forwards.
 */
import type { AgentConfig } from '../config/normalise.js';
import type { RunGrant } from '../gateway/types.js';
import type { Workspace } from '../protocol/runner-protocol.js';
import { assertNoSecrets, SANDBOX_PATHS, type BuiltSpec } from './spec.js';

export interface RemoteSpecInput {
  agent: AgentConfig;
  runId: string;
  grant?: RunGrant;
  secrets: readonly string[];
}

/** The remote node replaces these with its own paths; they are what a mapping sandbox shows. */
const REMOTE_WORKSPACE: Workspace = {
  agentDir: SANDBOX_PATHS.agent,
  globalDir: SANDBOX_PATHS.global,
  extraDirs: [],
  stateDir: SANDBOX_PATHS.state,
  inboxDir: SANDBOX_PATHS.inbox,
};

export function buildRemoteSpec(input: RemoteSpecInput): BuiltSpec {
  const { agent } = input;
  const env: Record<string, string> = {
    ...agent.env,
    OMNICLAW_RUN_ID: input.runId,
    OMNICLAW_AGENT_ID: agent.id,
  };
  assertNoSecrets(env, input.secrets);
  return {
    spec: {
      runId: input.runId,
      agentId: agent.id,
      // The remote machine runs its own install's runner: nothing of this host is sent.
      runner: { hostDir: '', main: '' },
      mounts: [],
      env,
      limits: { ...agent.limits, tmpMb: Math.min(agent.limits.diskMb, agent.limits.memoryMb) },
      workdir: SANDBOX_PATHS.agent,
      ...(input.grant?.socketPath ? { gateway: { socketPath: input.grant.socketPath } } : {}),
    },
    workspace: { ...REMOTE_WORKSPACE, ...(agent.server ? { serverDir: SANDBOX_PATHS.server } : {}) },
    diskFolders: [],
  };
}
