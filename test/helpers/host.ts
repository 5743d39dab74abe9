/** Starts a real host in-process for tests: temp instance dir, real SQLite, the echo runner. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp, type App, type AppOptions } from '../../src/app.js';
import { parse, stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { CHAT_PREFIXES } from '../../src/config/chat-ids.js';
import { silentLogger } from '../../src/observability/logger.js';
import { NoSandbox } from '../../src/sandbox/none.js';
import { MemoryChannel } from './memory-channel.js';
import type { Channel } from '../../src/domain/channel.js';

export const ECHO_RUNNER = fileURLToPath(new URL('../fixtures/echo-runner.mjs', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface TestHost {
  app: App;
  channel: MemoryChannel;
  home: string;
  cleanup(): Promise<void>;
}

export const BASE_CONFIG = `
http: { port: 0 }
models:
  anthropic: { apiKey: sk-test-key-0123456789 }
queue: { retry: { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 3 } }
`;

export async function startTestHost(
  yaml: string,
  options: Partial<AppOptions> & {
    home?: string;
    withoutModels?: boolean;
    /** Channels beside the memory channel (a WhatsApp channel on a fake socket). */
    moreChannels?: Channel[];
  } = {},
): Promise<TestHost> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'omniclaw-test-'));
  const base = parse(BASE_CONFIG) as Record<string, unknown>;
  if (options.withoutModels) delete base.models;
  const config = parseConfigText(stringify(merge(base, parse(yaml) ?? {})), 'test.yaml', {
    env: {},
    chatPrefixes: [...CHAT_PREFIXES, 'mem:'],
  });
  const channel = (options.extraChannels?.[0] as MemoryChannel | undefined) ?? new MemoryChannel();
  const app = await startApp({
    home,
    config,
    logger: silentLogger(),
    runner: { hostDir: FIXTURES, main: 'echo-runner.mjs' },
    backendFor: async () => new NoSandbox(),
    gateway: false,
    ...options,
    extraChannels: [channel, ...(options.moreChannels ?? [])],
  });
  return {
    app,
    channel,
    home,
    cleanup: async () => {
      await app.stop();
      if (!options.home) rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` returns a truthy value (event-driven code settles on its own time). */
export async function until<T>(
  check: () => T | undefined | false,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Test config over the base config: nested sections merge, lists and scalars replace. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current &&
      typeof current === 'object' &&
      !Array.isArray(current)
        ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
