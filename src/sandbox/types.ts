/**
 * The Sandbox interface: every backend (docker, podman, apple-container, bwrap, ssh, none)
 * starts the runner with the protocol on stdio and nothing else of the host visible but
 * the mounts in the spec.
 */
import type { Readable, Writable } from 'node:stream';

export const sandboxKinds = ['docker', 'podman', 'apple-container', 'bwrap', 'ssh', 'none'] as const;
export type SandboxKind = (typeof sandboxKinds)[number];

export interface Mount {
  /** Absolute host path, already validated (realpath'd, allowlisted) by the caller. */
  hostPath: string;
  /** Absolute path inside the sandbox, e.g. /workspace/agent. */
  containerPath: string;
  readonly: boolean;
  /**
   * The host writes it and keeps it (received files): never handed to the sandbox's uid,
   * only mounted read-only.
   */
  hostOwned?: boolean;
}

export interface SandboxLimits {
  memoryMb: number;
  cpus: number;
  pids: number;
  /** Wall-clock limit for the whole process, in ms. */
  timeoutMs: number;
  /** Size of the agent's writable folders, MB (enforced by the host's disk watchdog). */
  diskMb?: number;
  /** Size of the sandbox's RAM-backed /tmp, MB; unbounded when unset. */
  tmpMb?: number;
}

export interface SandboxSpec {
  runId: string;
  agentId: string;
  /**
   * The runner program: `hostDir` is mounted read-only at /opt/omniclaw; `main` is relative
   * to it. With `include`, only those entries of hostDir are mounted (e.g. dist,
   * node_modules, package.json), so the sandbox does not see the rest of the project.
   */
  runner: { hostDir: string; main: string; include?: string[] };
  mounts: Mount[];
  /** Environment for the runner. Never a secret: the host checks this before starting. */
  env: Record<string, string>;
  limits: SandboxLimits;
  /** Working directory inside the sandbox. */
  workdir: string;
  /**
   * How the sandbox reaches the egress gateway. On Linux a Unix socket mounted in (no
   * network but loopback); elsewhere a host TCP address with the per-run token.
   */
  gateway?: { socketPath?: string; tcpUrl?: string };
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /**
   * Set when the sandbox stopped the process itself (timeout, limit), or could not start it
   * at all until someone fixes the set-up (unavailable: e.g. the agent image is missing).
   */
  reason?: 'timeout' | 'killed' | 'limit' | 'unavailable';
  /** A sentence for the user when the sandbox stopped the run (which limit, how much). */
  detail?: string;
}

export interface AgentProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly exited: Promise<ExitInfo>;
  /** Stops the process (and its container); resolves when it is gone. */
  kill(reason?: ExitInfo['reason']): Promise<void>;
}

export interface Detection {
  available: boolean;
  /** Why it is (not) available, and how to fix it when not. */
  why: string;
  /** The engine answers but this image is not there (`omniclaw image build` makes it). */
  missingImage?: string;
}

export interface SandboxBackend {
  readonly kind: SandboxKind;
  /**
   * True when mounts appear at their containerPath inside; false (the `none` backend) when
   * the runner sees host paths, so the host hands it host paths instead.
   */
  readonly mapsPaths: boolean;
  detect(): Promise<Detection>;
  start(spec: SandboxSpec): Promise<AgentProcess>;
  /** Removes leftovers of a host that died (labelled containers); returns how many. */
  cleanupOrphans?(): Promise<number>;
}
