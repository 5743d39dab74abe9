/**
 * Builds what one run of one agent may see: the SandboxSpec (mounts, env, limits) and the
 * Workspace paths the runner is told about. The layout is DESIGN.md's "Sandbox contents";
 * everything else of the host stays invisible.
 */
import { chmodSync, mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import type { AgentConfig } from '../config/normalise.js';
import {
  agentFolder,
  agentInbox,
  agentStateFolder,
  serverFolder,
  type InstancePaths,
} from '../config/paths.js';
import type { RunGrant } from '../gateway/types.js';
import type { Workspace } from '../protocol/runner-protocol.js';
import { ensureHostFolder } from './host-folder.js';
import { blockedComponent, type MountAllowlist } from './mount-allowlist.js';
import { defaultAllowlistPath, resolveExtraMounts } from './mounts.js';
import type { Mount, SandboxSpec } from './types.js';

export const SANDBOX_PATHS = {
  agent: '/workspace/agent',
  global: '/workspace/global',
  server: '/workspace/server',
  project: '/workspace/project',
  state: '/workspace/state',
  inbox: '/workspace/inbox',
  runner: '/opt/omniclaw',
  gatewaySocket: '/run/omniclaw/gateway.sock',
} as const;

export interface BuildSpecInput {
  agent: AgentConfig;
  paths: InstancePaths;
  runId: string;
  projectRoot: string;
  /** The runner package (runner/: its dist/ and node_modules/), mounted read-only at /opt/omniclaw. */
  runnerDir: string;
  /** Relative to runnerDir, e.g. 'dist/runner/src/main.js' in the runner package. */
  runnerMain: string;
  /** Only these entries of runnerDir are mounted (default: all of it). */
  runnerInclude?: string[];
  /** How the sandbox reaches the gateway (a remote node has only the forwarded socket). */
  grant?: RunGrant | Pick<RunGrant, 'socketPath' | 'tcpUrl'>;
  allowlist: MountAllowlist | null;
  allowlistPath?: string;
  /** False for the `none` backend: the runner is told host paths. */
  mapsPaths: boolean;
  /** Real secret values (API keys, tokens) that must not reach the env. */
  secrets?: string[];
  /** Home folder used to expand `~` in mounts (tests). */
  home?: string;
}

export class SecretLeakError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretLeakError';
  }
}

/** Throws when any env value (or name) contains one of the secrets. Empty secrets are ignored. */
export function assertNoSecrets(env: Record<string, string>, secrets: readonly string[]): void {
  const real = secrets.filter((s) => s.length > 0);
  for (const [name, value] of Object.entries(env)) {
    if (real.some((secret) => value.includes(secret) || name.includes(secret))) {
      throw new SecretLeakError(
        `the sandbox environment variable ${name} contains a real secret; secrets never enter a sandbox ` +
          '(the runner gets a per-run gateway token instead). This is a bug: report it.',
      );
    }
  }
}

/**
 * Creates an instance folder and returns its real path. Following links here is safe only
 * because no component is agent-writable: groups/, sessions/ and groups/servers/ are never
 * mounted, an agent cannot rename its own mount point, and the ids "global" and "servers"
 * are reserved so that no agent owns groups/global or groups/servers. A symlink the user
 * made (groups/notes -> ~/notes) is honoured.
 */
const ensureDir = (path: string): string => {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return realpathSync(path);
};

/** /tmp is RAM: bounded like the disk, and never above the memory limit. */
const tmpLimitMb = (limits: AgentConfig['limits']): number => Math.min(limits.diskMb, limits.memoryMb);

export interface BuiltSpec {
  spec: SandboxSpec;
  workspace: Workspace;
  /** Host folders the agent can write that count against its disk limit (not extra mounts: those are yours). */
  diskFolders: string[];
}

export function buildSandboxSpec(input: BuildSpecInput): BuiltSpec {
  const { agent, paths, mapsPaths } = input;
  const inside = (sandboxPath: string, hostPath: string): string => (mapsPaths ? sandboxPath : hostPath);
  const mounts: Mount[] = [];
  const add = (hostPath: string, containerPath: string, readonly: boolean): string => {
    mounts.push({ hostPath, containerPath, readonly });
    return inside(containerPath, hostPath);
  };

  const agentDir = add(ensureDir(agentFolder(paths, agent.id)), SANDBOX_PATHS.agent, false);
  const globalDir = add(ensureDir(paths.globalMemory), SANDBOX_PATHS.global, !agent.main);
  let serverDir: string | undefined;
  if (agent.server !== undefined) {
    serverDir = add(ensureDir(serverFolder(paths, agent.server)), SANDBOX_PATHS.server, false);
  }
  const stateDir = add(ensureDir(agentStateFolder(paths, agent.id)), SANDBOX_PATHS.state, false);
  const diskFolders = mounts.filter((m) => !m.readonly).map((m) => m.hostPath);

  // Received files: written by the host only, read-only inside (see host-folder.ts).
  const inboxHost = agentInbox(paths, agent.id);
  ensureHostFolder(inboxHost);
  mounts.push({
    hostPath: realpathSync(inboxHost),
    containerPath: SANDBOX_PATHS.inbox,
    readonly: true,
    hostOwned: true,
  });
  const inboxDir = inside(SANDBOX_PATHS.inbox, realpathSync(inboxHost));

  const allowlistPath = input.allowlistPath ?? defaultAllowlistPath(input.home);
  const extras = resolveExtraMounts({
    agentId: agent.id,
    isMain: agent.main,
    mounts: agent.mounts,
    allowlist: input.allowlist,
    allowlistPath,
    protectedPaths: [paths.home, paths.envFile, paths.database],
    home: input.home,
  });
  const extraDirs = extras.map((m) => add(m.hostPath, m.containerPath, m.readonly));

  if (agent.main) mounts.push(...projectMounts(input, ensureDir(join(paths.home, 'sandbox-empty'))));

  const env: Record<string, string> = {
    ...agent.env,
    HOME: stateDir,
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    OMNICLAW_RUN_ID: input.runId,
    OMNICLAW_AGENT_ID: agent.id,
  };
  let gateway: SandboxSpec['gateway'];
  if (input.grant?.socketPath) {
    gateway = { socketPath: input.grant.socketPath };
    env.OMNICLAW_GATEWAY_SOCKET = inside(SANDBOX_PATHS.gatewaySocket, input.grant.socketPath);
  } else if (input.grant?.tcpUrl) {
    gateway = { tcpUrl: input.grant.tcpUrl };
    env.OMNICLAW_GATEWAY_URL = input.grant.tcpUrl;
  }
  assertNoSecrets(env, input.secrets ?? []);

  const spec: SandboxSpec = {
    runId: input.runId,
    agentId: agent.id,
    runner: { hostDir: realpathSync(input.runnerDir), main: input.runnerMain, include: input.runnerInclude },
    mounts,
    env,
    limits: { ...agent.limits, tmpMb: tmpLimitMb(agent.limits) },
    workdir: agentDir,
    ...(gateway ? { gateway } : {}),
  };
  return { spec, workspace: { agentDir, globalDir, serverDir, extraDirs, stateDir, inboxDir }, diskFolders };
}

/**
 * The main agent sees the project read-only. State and secrets live in the instance home,
 * which must not be inside the project; a top-level file or folder with a blocked name
 * (`.env`, `.npmrc`, …) is hidden behind /dev/null or an empty folder.
 */
function projectMounts(input: BuildSpecInput, emptyDir: string): Mount[] {
  const project = realpathSync(input.projectRoot);
  const home = realpathSync(input.paths.home);
  const rel = relative(project, home);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new Error(
      `agent "${input.agent.id}": the instance home ${home} is inside the project ${project}, so the ` +
        'project mount would expose the database and .env. Set OMNICLAW_HOME to a folder outside the project.',
    );
  }
  chmodSync(emptyDir, 0o555);
  const masks = readdirSync(project, { withFileTypes: true })
    .filter((entry) => blockedComponent(entry.name) !== undefined)
    .map((entry) => ({
      hostPath: entry.isDirectory() ? emptyDir : '/dev/null',
      containerPath: `${SANDBOX_PATHS.project}/${entry.name}`,
      readonly: true,
    }));
  return [{ hostPath: project, containerPath: SANDBOX_PATHS.project, readonly: true }, ...masks];
}
