/**
 * First start: write a commented default omniclaw.yaml for a `main` agent on the terminal
 * chat, using the model it can find — Anthropic credentials, else a local OpenAI-compatible
 * server (Ollama, LM Studio), else none (every reply then says how to add one).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { InstancePaths } from './paths.js';

export type ModelChoice =
  | { kind: 'anthropic'; via: 'ANTHROPIC_API_KEY' | 'CLAUDE_CODE_OAUTH_TOKEN' }
  | { kind: 'local'; name: string; baseUrl: string; model: string; note?: string }
  | { kind: 'none' };

export const LOCAL_MODEL_SERVERS = [
  { name: 'Ollama', baseUrl: 'http://127.0.0.1:11434/v1' },
  { name: 'LM Studio', baseUrl: 'http://127.0.0.1:1234/v1' },
];

/**
 * Where to look for a local model server. OMNICLAW_LOCAL_MODEL_URLS (comma-separated base
 * URLs, or "none") replaces the usual ports — tests use it so that first-start detection
 * never reaches a real Ollama or LM Studio on the machine running them.
 */
export function localModelServers(env: Record<string, string | undefined>): typeof LOCAL_MODEL_SERVERS {
  const raw = env.OMNICLAW_LOCAL_MODEL_URLS;
  if (raw === undefined) return LOCAL_MODEL_SERVERS;
  return raw
    .split(',')
    .map((url) => url.trim().replace(/\/+$/, ''))
    .filter((url) => url && url !== 'none')
    .map((baseUrl) => ({ name: 'the local model server', baseUrl }));
}

export async function detectModel(
  env: Record<string, string | undefined>,
  servers = LOCAL_MODEL_SERVERS,
  timeoutMs = 700,
): Promise<ModelChoice> {
  if (env.ANTHROPIC_API_KEY) return { kind: 'anthropic', via: 'ANTHROPIC_API_KEY' };
  if (env.CLAUDE_CODE_OAUTH_TOKEN) return { kind: 'anthropic', via: 'CLAUDE_CODE_OAUTH_TOKEN' };
  for (const server of servers) {
    try {
      const res = await fetch(`${server.baseUrl}/models`, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) continue;
      const body = (await res.json()) as { data?: { id?: string }[] };
      const model = body.data?.find((m) => typeof m.id === 'string')?.id;
      if (model) return { kind: 'local', name: server.name, baseUrl: server.baseUrl, model };
    } catch {
      // Nothing answering there: try the next one.
    }
  }
  return { kind: 'none' };
}

export function defaultConfigText(choice: ModelChoice): string {
  const models =
    choice.kind === 'anthropic'
      ? choice.via === 'ANTHROPIC_API_KEY'
        ? `models:\n  anthropic:\n    apiKey: \${ANTHROPIC_API_KEY}\n`
        : `models:\n  anthropic:\n    oauthToken: \${CLAUDE_CODE_OAUTH_TOKEN}\n`
      : choice.kind === 'local'
        ? `models:\n  # ${choice.note ?? `${choice.name} found on this machine.`}\n  openai:\n    baseUrl: ${choice.baseUrl}\n`
        : `# No model found yet. Put ANTHROPIC_API_KEY=sk-ant-... in .env beside this file and\n` +
          `# uncomment these lines (or point models.openai.baseUrl at Ollama / LM Studio):\n` +
          `# models:\n#   anthropic:\n#     apiKey: \${ANTHROPIC_API_KEY}\n`;
  const agent =
    choice.kind === 'local'
      ? `  - { id: main, main: true, runtime: openai, model: ${JSON.stringify(choice.model)}, sandbox: auto }`
      : `  - { id: main, main: true, runtime: claude, model: claude-sonnet-4-5, sandbox: auto }`;
  return `# OmniClaw configuration. Every section is optional; see docs/configuration.md.
# Secrets go in .env beside this file and are referenced as \${NAME}.

instance:
  name: Omni
  # timezone: Europe/Berlin   # default: this machine's time zone

http:
  host: 127.0.0.1   # /healthz, /readyz, /metrics
  port: 7077

${models}
# channels:
#   telegram: { token: \${TELEGRAM_BOT_TOKEN} }
#   discord:  { token: \${DISCORD_BOT_TOKEN} }
#   slack:    { botToken: \${SLACK_BOT_TOKEN}, appToken: \${SLACK_APP_TOKEN} }
#   whatsapp: { enabled: true }
# (omniclaw channels add <name> sets these up for you.)

agents:
${agent}

# The terminal chat (omniclaw chat) reaches every agent without a route.
# routes:
#   - { chat: "tg:123456", agent: main }
`;
}

/** Writes the default config if there is none; returns what was chosen, or undefined if a config existed. */
export async function ensureConfig(
  paths: InstancePaths,
  env: Record<string, string | undefined>,
  servers = LOCAL_MODEL_SERVERS,
): Promise<ModelChoice | undefined> {
  if (existsSync(paths.config)) return undefined;
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  const choice = await detectModel(env, servers);
  writeFileSync(paths.config, defaultConfigText(choice), { mode: 0o600, flag: 'wx' });
  return choice;
}
