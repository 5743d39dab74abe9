/**
 * Bridges the Logger interface of Slack's SDK (@slack/web-api and @slack/socket-mode share
 * it) to our pino logger. The SDK logs whole socket payloads (message text) at debug, so
 * its debug goes to pino's trace level; tokens travel in headers, which the SDK does not log.
 */
import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../../observability/logger.js';

export function slackLoggerFor(logger: Logger): SlackLogger {
  const child = logger.child({ lib: 'slack' });
  const line = (parts: unknown[]): string =>
    parts.map((p) => (typeof p === 'string' ? p : safeString(p))).join(' ');
  return {
    debug: (...parts: unknown[]) => child.trace(line(parts)),
    info: (...parts: unknown[]) => child.debug(line(parts)),
    warn: (...parts: unknown[]) => child.warn(line(parts)),
    error: (...parts: unknown[]) => child.error(line(parts)),
    // The level is ours (pino's), not the SDK's: ignore attempts to change it.
    setLevel: () => undefined,
    getLevel: () => (child.isLevelEnabled('trace') ? LogLevel.DEBUG : LogLevel.INFO),
    setName: () => undefined,
  };
}

function safeString(value: unknown): string {
  if (value instanceof Error) return value.message;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
