/**
 * The checks behind `omniclaw doctor`. Each returns what it found and, for a problem, the
 * fix. Credentials are reported as present or missing, never printed.
 */
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import type { Config } from '../config/normalise.js';
import type { InstancePaths } from '../config/paths.js';
import type { SandboxKind } from '../sandbox/types.js';
import type { SandboxChoice } from '../sandbox/detect.js';
import { databaseFiles } from '../store/db.js';
import { modelRoute } from '../core/run-checks.js';

export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  /** A whole sentence: what was found. */
  detail: string;
  /** A whole sentence: the command or edit that fixes it. */
  fix?: string;
  /** The fix, when it is safe to apply unasked (`doctor --fix`): modes, missing folders. */
  repair?: () => void;
}

export function nodeCheck(version = process.versions.node): Check {
  const major = Number(version.split('.')[0]);
  return major >= 20
    ? { name: 'Node.js', status: 'ok', detail: `Node.js v${version} is new enough.` }
    : {
        name: 'Node.js',
        status: 'fail',
        detail: `Node.js v${version} is too old; OmniClaw needs version 20 or newer.`,
        fix: 'Install Node.js 20 or newer (Debian: `apt-get install nodejs`, or from nodejs.org).',
      };
}

export function permissionChecks(paths: InstancePaths): Check[] {
  const checks: Check[] = [];
  const mode = (p: string): number | undefined => (existsSync(p) ? statSync(p).mode & 0o777 : undefined);
  const home = mode(paths.home);
  if (home === undefined) {
    checks.push({
      name: 'instance folder',
      status: 'warn',
      detail: `The instance folder ${paths.home} does not exist yet.`,
      fix: 'Run `omniclaw start` once (or `omniclaw doctor --fix`) to create it.',
      repair: () => mkdirSync(paths.home, { recursive: true, mode: 0o700 }),
    });
  } else if (home & 0o077) {
    checks.push({
      name: 'instance folder',
      status: 'fail',
      detail: `The instance folder ${paths.home} is open to other users (mode ${home.toString(8)}).`,
      fix: `Run \`chmod 700 ${paths.home}\`.`,
      repair: () => chmodSync(paths.home, 0o700),
    });
  } else
    checks.push({
      name: 'instance folder',
      status: 'ok',
      detail: `The instance folder ${paths.home} is yours alone (mode ${home.toString(8)}).`,
    });
  const env = mode(paths.envFile);
  if (env !== undefined && env & 0o077) {
    checks.push({
      name: '.env',
      status: 'fail',
      detail: `${paths.envFile} holds your secrets and other users can read it (mode ${env.toString(8)}).`,
      fix: `Run \`chmod 600 ${paths.envFile}\`.`,
      repair: () => chmodSync(paths.envFile, 0o600),
    });
  } else if (env !== undefined)
    checks.push({ name: '.env', status: 'ok', detail: `${paths.envFile} is readable by you alone.` });
  checks.push(databaseFilesCheck(paths.database));
  return checks;
}

/** The database holds every message: its files (and SQLite's -wal, -shm) must be owner-only. */
export function databaseFilesCheck(database: string): Check {
  const open = databaseFiles(database).filter((f) => existsSync(f) && statSync(f).mode & 0o077);
  if (open.length)
    return {
      name: 'database files',
      status: 'fail',
      detail: `Other users can read the database, which holds every message: ${open.map((f) => `${f} (mode ${(statSync(f).mode & 0o777).toString(8)})`).join(', ')}.`,
      fix: `Run \`chmod 600 ${open.join(' ')}\`.`,
      repair: () => open.forEach((f) => chmodSync(f, 0o600)),
    };
  if (!existsSync(database))
    return {
      name: 'database files',
      status: 'ok',
      detail: 'The database is not created yet; it will be readable by you alone.',
    };
  return {
    name: 'database files',
    status: 'ok',
    detail: `The database ${database} and its -wal and -shm files are readable by you alone.`,
  };
}

export function credentialChecks(config: Config, envFile: string): Check[] {
  const checks: Check[] = [];
  const routes = new Set(config.agents.map((a) => modelRoute(a)));
  if (routes.has('anthropic')) {
    const a = config.models.anthropic;
    checks.push(
      a?.apiKey || a?.oauthToken
        ? {
            name: 'Anthropic credential',
            status: 'ok',
            detail: `An Anthropic ${a.apiKey ? 'API key' : 'OAuth token'} is present (not shown).`,
          }
        : {
            name: 'Anthropic credential',
            status: 'fail',
            detail: 'A claude agent is configured, but no Anthropic credential is set.',
            fix: `Add ANTHROPIC_API_KEY=… to ${envFile} and \`models: { anthropic: { apiKey: \${ANTHROPIC_API_KEY} } }\` to omniclaw.yaml.`,
          },
    );
  }
  if (routes.has('openai')) {
    const o = config.models.openai;
    checks.push(
      o
        ? {
            name: 'OpenAI-compatible endpoint',
            status: 'ok',
            detail: `The OpenAI-compatible endpoint is ${o.baseUrl}, ${o.apiKey ? 'with an API key (not shown)' : 'with no key'}.`,
          }
        : {
            name: 'OpenAI-compatible endpoint',
            status: 'fail',
            detail: 'An openai or codex agent is configured, but models.openai is not.',
            fix: 'Set models.openai.baseUrl in omniclaw.yaml (http://127.0.0.1:11434/v1 for Ollama).',
          },
    );
  }
  return checks;
}

const SANDBOX_FIXES: Partial<Record<SandboxKind, string>> = {
  docker: 'Install Docker (Debian: `apt-get install docker.io`), start it, then run `omniclaw image build`.',
  podman: 'Install Podman (`apt-get install podman`) if you prefer it to Docker.',
  bwrap: 'Install bubblewrap (`apt-get install bubblewrap`); it needs unprivileged user namespaces.',
  'apple-container':
    "On macOS 26 or newer, install Apple's `container` tool and run `container system start`.",
};

/** Detection's reasons are clauses ("podman is not installed; …"): made whole sentences here. */
export const sentence = (text: string): string => {
  const t = text.trim();
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};

/** What auto-detection found, what it chose and why, and per-agent overrides. */
export function sandboxChecks(config: Config, choice: SandboxChoice): Check[] {
  // A sandbox this machine lacks is worth a warning only when nothing else can run agents;
  // an agent pinned to it fails below. Otherwise a new user would be told to install Podman
  // beside a working Docker.
  const spare = choice.candidates.find((c) => c.available)?.kind;
  const checks: Check[] = choice.candidates.map((c) =>
    c.available || !spare
      ? {
          name: `sandbox ${c.kind}`,
          status: c.available ? 'ok' : 'warn',
          detail: sentence(`${c.kind}: ${c.why}`),
          fix: c.available ? undefined : SANDBOX_FIXES[c.kind],
        }
      : {
          name: `sandbox ${c.kind}`,
          status: 'ok',
          detail: sentence(`${c.kind} is not needed while ${spare} works (${c.why})`),
        },
  );
  const autoAgents = config.agents.filter((a) => a.sandbox === 'auto').map((a) => a.id);
  if (autoAgents.length) {
    checks.push(
      choice.chosen
        ? {
            name: 'sandbox choice',
            status: 'ok',
            detail: sentence(`Auto chooses ${choice.chosen} for ${autoAgents.join(', ')} (${choice.why})`),
          }
        : {
            name: 'sandbox choice',
            status: 'fail',
            detail: sentence(`No sandbox can run ${autoAgents.join(', ')}: ${choice.why}`),
            fix: 'Install Docker (and start it) or bubblewrap (`apt-get install bubblewrap`).',
          },
    );
  }
  for (const a of config.agents) if (a.sandbox !== 'auto') checks.push(pinnedCheck(a.id, a.sandbox, choice));
  return checks;
}

/** An agent pinned to a sandbox gets no fallback: one that cannot run it fails every message. */
function pinnedCheck(agentId: string, kind: SandboxKind, choice: SandboxChoice): Check {
  const name = `sandbox for ${agentId}`;
  if (kind === 'none')
    return {
      name,
      status: 'warn',
      detail: `The agent ${agentId} runs with sandbox none: NO isolation, for development only.`,
      fix: `Set sandbox: auto for ${agentId} in omniclaw.yaml.`,
    };
  const found = choice.candidates.find((c) => c.kind === kind);
  if (found?.available)
    return { name, status: 'ok', detail: `The agent ${agentId} runs in ${kind} (set in config).` };
  return {
    name,
    status: 'fail',
    detail: sentence(
      `The agent ${agentId} is pinned to ${kind}, which cannot run here: ${found?.why ?? `not available on ${process.platform}`}`,
    ),
    fix: SANDBOX_FIXES[kind] ?? `Pin ${agentId} to a sandbox this machine has, or set it to auto.`,
  };
}

/** How sandboxes reach the egress gateway on this platform, for each backend in use. */
export function gatewayCheck(platform: NodeJS.Platform = process.platform): Check {
  return platform === 'linux'
    ? {
        name: 'egress gateway',
        status: 'ok',
        detail:
          'Docker and bwrap sandboxes have no network but loopback and reach the gateway through a Unix socket mounted in; ' +
          '`none` agents use the host TCP address with a per-run token.',
      }
    : {
        name: 'egress gateway',
        status: 'warn',
        detail:
          'This is not Linux: sandboxes reach the gateway on the host address with a per-run token; they keep a network ' +
          'interface, so the gateway is not their only way out.',
        fix: 'Nothing to do here; run OmniClaw on Linux for sandboxes without a network (see docs/security.md).',
      };
}
