/**
 * Which model calls a sandbox may make with the host's real key: exactly the method and
 * path pairs the runtimes in runner/src/runtimes/ send, per route. Everything else (files,
 * fine-tuning, batches, organisation admin, model lists) would spend or expose the account
 * and is refused. Pure, no I/O.
 *
 * Paths are the part after the route and its base URL: `/anthropic/v1/messages` is
 * `/v1/messages` on `models.anthropic.baseUrl`; `/openai/responses` is `/responses` on
 * `models.openai.baseUrl` (which ends in `/v1`). The query string is not part of the match
 * (the Claude engine sends `?beta=true`).
 */
import type { ModelRouteName } from './model-path.js';

/** The response shape usage is read from (see model-usage.ts). */
export type UsageShape = 'anthropic-messages' | 'openai-chat' | 'openai-responses' | 'none';

export interface ModelCall {
  method: string;
  path: string;
  /** Who sends it, for the docs and for whoever prunes this list. */
  usedBy: string;
  usage: UsageShape;
}

export const MODEL_CALLS: Readonly<Record<ModelRouteName, readonly ModelCall[]>> = {
  anthropic: [
    {
      method: 'POST',
      path: '/v1/messages',
      usedBy: 'claude runtime (Agent SDK); opencode runtime with an anthropic/… model (@ai-sdk/anthropic)',
      usage: 'anthropic-messages',
    },
    // Sent by the Claude engine to size a context; costs nothing, returns no usage.
    {
      method: 'POST',
      path: '/v1/messages/count_tokens',
      usedBy: 'claude runtime (Agent SDK)',
      usage: 'none',
    },
  ],
  openai: [
    {
      method: 'POST',
      path: '/chat/completions',
      usedBy: 'openai runtime; opencode runtime with an openai/… model (@ai-sdk/openai-compatible)',
      usage: 'openai-chat',
    },
    { method: 'POST', path: '/responses', usedBy: 'codex runtime', usage: 'openai-responses' },
  ],
};

/** Request headers that pick another billing account or project; never forwarded. */
export const ACCOUNT_SELECTING_HEADERS = [
  'openai-organization',
  'openai-project',
  'anthropic-organization',
  'anthropic-workspace',
  'x-organization',
  'x-project',
] as const;

export type ModelCallDecision = { ok: true; call: ModelCall } | { ok: false; reason: string };

export function allowedModelCall(route: ModelRouteName, method: string, rest: string): ModelCallDecision {
  const call = MODEL_CALLS[route].find((c) => c.method === method && c.path === rest);
  if (call) return { ok: true, call };
  const allowed = MODEL_CALLS[route].map((c) => `${c.method} /${route}${c.path}`).join(', ');
  return {
    ok: false,
    reason: `${method} /${route}${rest.slice(0, 80)} is not a model call OmniClaw allows; allowed: ${allowed}`,
  };
}
