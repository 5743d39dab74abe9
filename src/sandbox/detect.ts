/**
 * `sandbox: auto`: Apple Container on macOS when present, then Docker (daemon answering),
 * then Podman, then bubblewrap (when it can really create namespaces here). Never `none`.
 * The decision is a pure function of the platform and the probes, so `omniclaw doctor`
 * can show what was found, what was chosen and why, and how to fix each missing one.
 */
import type { Detection, SandboxBackend, SandboxKind } from './types.js';

export const AUTO_ORDER = ['apple-container', 'docker', 'podman', 'bwrap'] as const;
export type AutoCandidate = (typeof AUTO_ORDER)[number];

/** Where each candidate can run at all. */
const PLATFORMS: Record<AutoCandidate, readonly NodeJS.Platform[]> = {
  'apple-container': ['darwin'],
  docker: ['linux', 'darwin', 'win32'],
  podman: ['linux', 'darwin', 'win32'],
  bwrap: ['linux'],
};

export interface CandidateReport {
  kind: AutoCandidate;
  available: boolean;
  /** The probe's explanation; for a missing one it says how to fix it. */
  why: string;
  /** The engine answers but lacks this agent image (setup offers to build it). */
  missingImage?: string;
}

export interface SandboxChoice {
  chosen?: AutoCandidate;
  why: string;
  candidates: CandidateReport[];
}

/** Pure: picks the first available candidate for this platform. */
export function chooseSandbox(
  platform: NodeJS.Platform,
  probes: Partial<Record<AutoCandidate, Detection>>,
): SandboxChoice {
  const candidates: CandidateReport[] = AUTO_ORDER.filter((kind) => PLATFORMS[kind].includes(platform)).map(
    (kind) => {
      const probe = probes[kind];
      const report = { kind, available: probe?.available ?? false, why: probe?.why ?? 'not probed' };
      return probe?.missingImage ? { ...report, missingImage: probe.missingImage } : report;
    },
  );
  const chosen = candidates.find((c) => c.available);
  if (!chosen) {
    const fixes = candidates.map((c) => `${c.kind}: ${c.why}`).join('; ');
    return {
      candidates,
      why:
        `no sandbox is available on ${platform} (${fixes}). Fix one of them; the unisolated "none" ` +
        'sandbox is never chosen automatically',
    };
  }
  const skipped = candidates.slice(0, candidates.indexOf(chosen)).map((c) => `${c.kind} (${c.why})`);
  return {
    chosen: chosen.kind,
    candidates,
    why: `${chosen.kind}: ${chosen.why}${skipped.length ? `; before it, not available: ${skipped.join(', ')}` : ''}`,
  };
}

/** An agent's configured sandbox, with `auto` replaced by the detected choice. */
export function resolveAgentSandbox(
  agentId: string,
  configured: SandboxKind | 'auto',
  auto: SandboxChoice,
): SandboxKind {
  if (configured !== 'auto') return configured;
  if (!auto.chosen) throw new Error(`agent "${agentId}" has sandbox "auto" but ${auto.why}`);
  return auto.chosen;
}

/** Runs the probes of the candidates for this platform (in parallel) and decides. */
export async function detectSandbox(
  backendFor: (kind: AutoCandidate) => SandboxBackend,
  platform: NodeJS.Platform = process.platform,
): Promise<SandboxChoice> {
  const kinds = AUTO_ORDER.filter((kind) => PLATFORMS[kind].includes(platform));
  const results = await Promise.all(
    kinds.map(async (kind): Promise<[AutoCandidate, Detection]> => {
      try {
        return [kind, await backendFor(kind).detect()];
      } catch (err) {
        return [kind, { available: false, why: `probe failed: ${(err as Error).message}` }];
      }
    }),
  );
  return chooseSandbox(platform, Object.fromEntries(results));
}
