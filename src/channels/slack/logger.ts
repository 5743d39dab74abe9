/**
 * Bridges the Logger interface of Slack's SDK (@slack/web-api and @slack/socket-mode share
 * it) to our pino logger. The SDK logs whole socket payloads (message text) at debug, so
 * its debug goes to pino's trace level; tokens travel in headers, which the SDK does not log.
 * The SDK's arguments are joined as console.log would (util.format): pino would drop any
 * argument after the first that has no placeholder for it.
 */
import { format } from 'node:util';
import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../../observability/logger.js';

export function slackLoggerFor(logger: Logger): SlackLogger {
  const child = logger.child({ lib: 'slack' });
  return {
    debug: (...parts: unknown[]) => child.trace(format(...parts)),
    info: (...parts: unknown[]) => child.debug(format(...parts)),
    warn: (...parts: unknown[]) => child.warn(format(...parts)),
    error: (...parts: unknown[]) => child.error(format(...parts)),
    // The level is ours (pino's), not the SDK's: ignore attempts to change it.
    setLevel: () => undefined,
    getLevel: () => (child.isLevelEnabled('trace') ? LogLevel.DEBUG : LogLevel.INFO),
    setName: () => undefined,
  };
}
