/**
 * One logger for the host: JSON lines to the instance log file, pretty on a terminal.
 * Fields that could hold a secret are redacted by name, and known secret values are
 * scrubbed wherever they appear.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type PinoPretty from 'pino-pretty';
import pino, { type Logger, type DestinationStream, type Level, type LevelWithSilent } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  '*.apiKey',
  '*.oauthToken',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.authorization',
  '*.Authorization',
  '*.password',
  '*.secret',
  'headers["x-api-key"]',
  'headers.authorization',
];

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Folder for omniclaw.log (JSON); omitted: no file. */
  logDir?: string;
  /** Pretty-print to stderr (a terminal); otherwise JSON to stderr. */
  pretty?: boolean;
  /** Write to stderr at all (the daemon under a service manager wants it; tests may not). */
  console?: boolean;
  /** Literal secret values to scrub from every line (tokens from the config). */
  secrets?: string[];
  /** A destination for tests and benchmarks. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (level === 'silent') return silentLogger();
  const streamLevel: Level = level;
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 8);
  const streams: pino.StreamEntry[] = [];
  if (options.destination) streams.push({ level: streamLevel, stream: options.destination });
  if (options.logDir) {
    mkdirSync(options.logDir, { recursive: true, mode: 0o700 });
    streams.push({
      level: streamLevel,
      stream: pino.destination({ dest: join(options.logDir, 'omniclaw.log'), mkdir: true, sync: false }),
    });
  }
  if (options.console !== false && !options.destination) {
    const stream = options.pretty ? prettyStderr() : pino.destination(2);
    streams.push({ level: streamLevel, stream });
  }
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Only set when needed: `hooks: undefined` would wipe pino's default hooks.
      ...(secrets.length
        ? {
            hooks: {
              streamWrite: (line: string) =>
                secrets.reduce((out, s) => out.split(s).join('[redacted]'), line),
            },
          }
        : {}),
    },
    streams.length ? pino.multistream(streams) : pino.destination('/dev/null'),
  );
}

/**
 * pino-pretty in this thread, not as a pino.transport: a transport is a worker thread, a second
 * V8 heap that held 10 MB of the idle daemon's RSS whenever stderr was a terminal (74 against
 * 65 MB; docs/performance.md). Required only here, so JSON logging never loads it.
 */
function prettyStderr(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  // sync: a line is on the terminal before a crash or exit can lose it (a few lines a minute).
  return pretty({ destination: 2, sync: true, translateTime: 'SYS:HH:MM:ss' });
}

/** A logger that discards everything (unit tests, benchmarks). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
