/**
 * Which gateway route an `opencode` agent's model goes to, shared by the host (which checks
 * that route's credential before a run) and the runner (which points OpenCode at it).
 * `anthropic/claude-sonnet-4-5` or `openai/qwen2.5:7b` name the route; a bare name is a
 * Claude model when it starts with `claude`, else an OpenAI-compatible one.
 */
export type OpencodeRoute = 'anthropic' | 'openai';

export interface OpencodeModel {
  route: OpencodeRoute;
  /** The model name sent to the provider. */
  model: string;
}

export const OPENCODE_DEFAULT_MODEL = 'anthropic/claude-sonnet-4-5';

export function opencodeModel(configured: string): OpencodeModel {
  const match = /^(anthropic|openai)\/(.+)$/.exec(configured);
  if (match) return { route: match[1] as OpencodeRoute, model: match[2]! };
  return { route: /^claude/i.test(configured) ? 'anthropic' : 'openai', model: configured };
}
