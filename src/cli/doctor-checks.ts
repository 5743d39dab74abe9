/**
 * The checks behind `omniclaw doctor`. Each returns what it found and, for a problem, the
 * fix. Credentials are reported as present or missing, never printed.
 */
import { existsSync, statSync } from 'node:fs';
import type { Config } from '../config/normalise.js';
import type { InstancePaths } from '../config/paths.js';
import type { SandboxKind } from '../sandbox/types.js';
import type { SandboxChoice } from '../sandbox/detect.js';
import { databaseFiles } from '../store/db.js';
import { modelRoute } from '../core/run-checks.js';

export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

export function nodeCheck(version = process.versions.node): Check {
  const major = Number(version.split('.')[0]);
  return major >= 20
    ? { name: 'Node.js', status: 'ok', detail: `v${version}` }
    : {
        name: 'Node.js',
        status: 'fail',
        detail: `v${version} is too old`,
        fix: 'install Node.js 20 or newer',
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
      detail: `${paths.home} does not exist yet`,
      fix: 'run `omniclaw start` once',
    });
  } else if (home & 0o077) {
    checks.push({
      name: 'instance folder',
      status: 'fail',
      detail: `${paths.home} is readable by others (mode ${home.toString(8)})`,
      fix: `chmod 700 ${paths.home}`,
    });
  } else
    checks.push({
      name: 'instance folder',
      status: 'ok',
      detail: `${paths.home} (mode ${home.toString(8)})`,
    });
  const env = mode(paths.envFile);
  if (env !== undefined && env & 0o077) {
    checks.push({
      name: '.env',
      status: 'fail',
      detail: `${paths.envFile} is readable by others`,
      fix: `chmod 600 ${paths.envFile}`,
    });
  } else if (env !== undefined) checks.push({ name: '.env', status: 'ok', detail: 'owner-only' });
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
      detail: `readable by others: ${open.map((f) => `${f} (mode ${(statSync(f).mode & 0o777).toString(8)})`).join(', ')}`,
      fix: `chmod 600 ${open.join(' ')}`,
    };
  if (!existsSync(database))
    return { name: 'database files', status: 'ok', detail: 'not created yet (they will be owner-only)' };
  return { name: 'database files', status: 'ok', detail: `${database}, -wal, -shm owner-only` };
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
            detail: `${a.apiKey ? 'API key' : 'OAuth token'} present (not shown)`,
          }
        : {
            name: 'Anthropic credential',
            status: 'fail',
            detail: 'a claude agent is configured but no Anthropic credential is',
            fix: `add ANTHROPIC_API_KEY=… to ${envFile} and \`models: { anthropic: { apiKey: \${ANTHROPIC_API_KEY} } }\` to omniclaw.yaml`,
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
            detail: `${o.baseUrl}${o.apiKey ? ' with an API key (not shown)' : ', no key'}`,
          }
        : {
            name: 'OpenAI-compatible endpoint',
            status: 'fail',
            detail: 'an openai/codex agent is configured but models.openai is not',
            fix: 'set models.openai.baseUrl (e.g. http://localhost:11434/v1 for Ollama) in omniclaw.yaml',
          },
    );
  }
  for (const [name, section] of Object.entries(config.channels)) {
    if (name === 'local' || !section) continue;
    checks.push({ name: `channel ${name}`, status: 'ok', detail: 'configured (tokens present, not shown)' });
  }
  return checks;
}

const SANDBOX_FIXES: Partial<Record<SandboxKind, string>> = {
  docker: 'install Docker (Debian: `apt-get install docker.io`), start it, then `omniclaw image build`',
  podman: 'install Podman (`apt-get install podman`) if you prefer it to Docker',
  bwrap: 'install bubblewrap (`apt-get install bubblewrap`); it needs unprivileged user namespaces',
  'apple-container': "on macOS 26+, install Apple's `container` tool and run `container system start`",
};

/** What auto-detection found, what it chose and why, and per-agent overrides. */
export function sandboxChecks(config: Config, choice: SandboxChoice): Check[] {
  const checks: Check[] = choice.candidates.map((c) => ({
    name: `sandbox ${c.kind}`,
    status: c.available ? 'ok' : 'warn',
    detail: c.why,
    fix: c.available ? undefined : SANDBOX_FIXES[c.kind],
  }));
  const autoAgents = config.agents.filter((a) => a.sandbox === 'auto').map((a) => a.id);
  if (autoAgents.length) {
    checks.push(
      choice.chosen
        ? {
            name: 'sandbox choice',
            status: 'ok',
            detail: `auto → ${choice.chosen} for ${autoAgents.join(', ')}: ${choice.why}`,
          }
        : {
            name: 'sandbox choice',
            status: 'fail',
            detail: `no sandbox for ${autoAgents.join(', ')}: ${choice.why}`,
            fix: 'install Docker (and start it) or bubblewrap (`apt-get install bubblewrap`)',
          },
    );
  }
  for (const a of config.agents) if (a.sandbox !== 'auto') checks.push(pinnedCheck(a.id, a.sandbox, choice));
  return checks;
}

/** An agent pinned to a sandbox gets no fallback: one that cannot run it fails every message. */
function pinnedCheck(agentId: string, kind: SandboxKind, choice: SandboxChoice): Check {
  const name = `sandbox for ${agentId}`;
  if (kind === 'none') return { name, status: 'warn', detail: 'none: NO isolation (development only)' };
  const found = choice.candidates.find((c) => c.kind === kind);
  if (found?.available) return { name, status: 'ok', detail: `${kind} (set in config)` };
  return {
    name,
    status: 'fail',
    detail: `${kind} (set in config) cannot run it: ${found?.why ?? `not available on ${process.platform}`}`,
    fix: SANDBOX_FIXES[kind] ?? 'pin the agent to a sandbox this machine has, or set it to auto',
  };
}

/** How sandboxes reach the egress gateway on this platform, for each backend in use. */
export function gatewayCheck(platform: NodeJS.Platform = process.platform): Check {
  return platform === 'linux'
    ? {
        name: 'egress gateway',
        status: 'ok',
        detail:
          'docker/bwrap sandboxes have no network but loopback and reach the gateway through a Unix socket mounted in; ' +
          '`none` agents use the host TCP address with a per-run token',
      }
    : {
        name: 'egress gateway',
        status: 'warn',
        detail:
          'not Linux: sandboxes reach the gateway on the host address with a per-run token; they keep a network ' +
          'interface, so the gateway is not their only way out',
      };
}
