/**
 * Doctor checks that ask the provider: does the model credential work, does each chat
 * app's token work. Each goes to the URL in omniclaw.yaml (so self-hosted servers, proxies
 * and the tests' fake servers are asked, not the vendor) and never prints a secret: a
 * refusal says who refused and how to get a new credential.
 */
import type { Config } from '../config/normalise.js';
import { PLATFORMS, type Platform } from './channels-platforms.js';
import { sentence, type Check } from './doctor-checks.js';

type Fetch = typeof fetch;

async function call(fetchImpl: Fetch, url: string, init: RequestInit): Promise<Response> {
  return fetchImpl(url, { ...init, signal: AbortSignal.timeout(10_000) });
}

const unreachable = (what: string, url: string, err: unknown): string => {
  const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
  return `${what} at ${new URL(url).origin} could not be reached (${cause}).`;
};

/** Anthropic: count_tokens costs nothing and proves the key (or subscription token). */
export async function anthropicLiveCheck(
  config: Config,
  fetchImpl: Fetch = fetch,
): Promise<Check | undefined> {
  const a = config.models.anthropic;
  if (!a || !(a.apiKey || a.oauthToken) || !config.agents.some((x) => x.runtime === 'claude'))
    return undefined;
  const name = 'Anthropic credential works';
  const url = `${a.baseUrl.replace(/\/+$/, '')}/v1/messages/count_tokens`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'anthropic-version': '2023-06-01',
    ...(a.apiKey
      ? { 'x-api-key': a.apiKey }
      : { authorization: `Bearer ${a.oauthToken}`, 'anthropic-beta': 'oauth-2025-04-20' }),
  };
  const model = config.agents.find((x) => x.runtime === 'claude')?.model ?? 'claude-sonnet-4-5';
  let res: Response;
  try {
    res = await call(fetchImpl, url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
  } catch (err) {
    return {
      name,
      status: 'fail',
      detail: unreachable('The Anthropic API', url, err),
      fix: 'Check the network, or models.anthropic.baseUrl in omniclaw.yaml.',
    };
  }
  if (res.status === 401 || res.status === 403)
    return {
      name,
      status: 'fail',
      detail: `The Anthropic API refused the ${a.apiKey ? 'API key' : 'OAuth token'} (HTTP ${res.status}).`,
      fix: a.apiKey
        ? 'Make a new key at console.anthropic.com and put it in .env as ANTHROPIC_API_KEY.'
        : 'Run `claude setup-token` again and put the token in .env as CLAUDE_CODE_OAUTH_TOKEN.',
    };
  if (!res.ok)
    return {
      name,
      status: 'warn',
      detail: `The Anthropic API answered HTTP ${res.status}; the credential could not be confirmed.`,
      fix: 'Run `omniclaw doctor` again later; if it stays, check models.anthropic.baseUrl.',
    };
  return {
    name,
    status: 'ok',
    detail: `The Anthropic API at ${new URL(url).origin} accepts the credential.`,
  };
}

/** OpenAI-compatible: listing the models proves the endpoint (and the key, when there is one). */
export async function openaiLiveCheck(config: Config, fetchImpl: Fetch = fetch): Promise<Check | undefined> {
  const o = config.models.openai;
  if (!o || !config.agents.some((x) => x.runtime === 'openai' || x.runtime === 'codex')) return undefined;
  const name = 'OpenAI-compatible endpoint works';
  const url = `${o.baseUrl.replace(/\/+$/, '')}/models`;
  let res: Response;
  try {
    res = await call(fetchImpl, url, { headers: o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {} });
  } catch (err) {
    return {
      name,
      status: 'fail',
      detail: unreachable('The model server', url, err),
      fix: 'Start the model server (for Ollama: `ollama serve`), or correct models.openai.baseUrl.',
    };
  }
  if (res.status === 401 || res.status === 403)
    return {
      name,
      status: 'fail',
      detail: `The model server refused the API key (HTTP ${res.status}).`,
      fix: 'Put a valid key in .env and reference it as models.openai.apiKey.',
    };
  const body = (await res.json().catch(() => ({}))) as { data?: { id?: string }[] };
  const ids = (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
  const wanted = config.agents
    .filter((x) => (x.runtime === 'openai' || x.runtime === 'codex') && x.model)
    .map((x) => x.model!);
  const missing = ids.length ? wanted.filter((m) => !ids.includes(m)) : [];
  if (missing.length)
    return {
      name,
      status: 'fail',
      detail: `The model server does not offer ${missing.join(', ')}; it has ${ids.slice(0, 8).join(', ')}.`,
      fix: `Pull the model (for Ollama: \`ollama pull ${missing[0]}\`), or set the agent's model to one it has.`,
    };
  return {
    name,
    status: 'ok',
    detail: `The model server at ${o.baseUrl} answers and lists ${ids.length} model${ids.length === 1 ? '' : 's'}.`,
  };
}

const LABEL: Record<string, string> = { telegram: 'Telegram', discord: 'Discord', slack: 'Slack' };

/** Each chat app's token, asked of the platform (getMe, /users/@me, auth.test). */
export async function channelLiveChecks(config: Config, fetchImpl: Fetch = fetch): Promise<Check[]> {
  const checks: Check[] = [];
  for (const [channel, section] of Object.entries(config.channels)) {
    const platform: Platform | undefined = PLATFORMS[channel as Platform['name']];
    if (!section || !platform?.verify || !platform.url) continue;
    const values = section as Record<string, string>;
    const secrets = Object.fromEntries(platform.secrets.map((f) => [f.option, values[f.configKey] ?? '']));
    const url = values[platform.url.configKey] ?? platform.url.default;
    try {
      const who = await platform.verify(secrets, url, fetchImpl);
      checks.push({
        name: `channel ${channel}`,
        status: 'ok',
        detail: `${LABEL[channel]} accepts the token (the bot is ${who}).`,
      });
    } catch (err) {
      checks.push({
        name: `channel ${channel}`,
        status: 'fail',
        detail: sentence((err as Error).message),
        fix: `Get a new token and run \`omniclaw channels add ${channel}\` with it.`,
      });
    }
  }
  return checks;
}
