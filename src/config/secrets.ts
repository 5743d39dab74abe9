/** Every real secret value in the config: kept out of sandboxes and scrubbed from logs. */
import type { Config } from './normalise.js';

export function configSecrets(config: Config): string[] {
  const { models, channels } = config;
  return [
    models.anthropic?.apiKey,
    models.anthropic?.oauthToken,
    models.openai?.apiKey,
    channels.telegram?.token,
    channels.discord?.token,
    channels.slack?.botToken,
    channels.slack?.appToken,
  ].filter((s): s is string => typeof s === 'string' && s.length > 0);
}
