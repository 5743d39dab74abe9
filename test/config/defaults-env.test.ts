/** Defaults, OMNICLAW_* overrides, ${VAR} from the environment and the instance .env file. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { readEnvFile, writeEnvKeys } from '../../src/config/env-file.js';
import { configEnvNames } from '../../src/config/env-overrides.js';
import { systemTimezone } from '../../src/config/system-timezone.js';

const parse = (text: string, env: Record<string, string | undefined> = {}) =>
  parseConfigText(text, 'omniclaw.yaml', { env });

describe('a minimal file', () => {
  it('holding only `http: { port: 7080 }` is valid and every default is filled', () => {
    const config = parse('http: { port: 7080 }\n');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 7080 });
    expect(config.instance.name).toBe('Omni');
    expect(config.instance.timezone).toBe(systemTimezone());
    expect(config.logging).toEqual({ level: 'info', file: true });
    expect(config.models).toEqual({});
    expect(config.channels).toEqual({ local: { enabled: true } });
    expect(config.sandbox).toEqual({
      default: 'auto',
      image: 'omniclaw-agent:latest',
      uid: 61000,
      gid: 61000,
      gateway: { host: '127.0.0.1', port: 0 },
      limits: { memoryMb: 1024, cpus: 1, pids: 256, timeoutMs: 30 * 60_000, diskMb: 1024 },
    });
    expect(config.queue).toEqual({
      maxConcurrent: 3,
      idleTimeoutMs: 5 * 60_000,
      retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
      drainTimeoutMs: 30_000,
    });
    // A main agent always exists and the terminal chat reaches it without a trigger.
    expect(config.agents).toHaveLength(1);
    expect(config.agents[0]).toMatchObject({
      id: 'main',
      name: 'Omni',
      main: true,
      runtime: 'claude',
      sandbox: 'auto',
      trigger: '@Omni',
      limits: { memoryMb: 1024, cpus: 1, pids: 256, timeoutMs: 30 * 60_000, diskMb: 1024 },
    });
    expect(config.routes).toEqual([
      { chat: 'local:default', agent: 'main', requiresTrigger: false, streamThreads: false },
      { chat: 'local:main', agent: 'main', requiresTrigger: false, streamThreads: false },
    ]);
  });

  it.each([
    ['an empty file', ''],
    ['only a comment', '# nothing yet\n'],
    ['an empty document marker', '---\n'],
  ])('%s is valid too', (_what, text) => {
    expect(parse(text).http.port).toBe(7077);
  });

  it('parses every key of the example in issue 2', () => {
    const env = {
      ANTHROPIC_API_KEY: 'sk-ant-example-0123456789',
      OPENAI_API_KEY: 'sk-openai-example',
      TELEGRAM_BOT_TOKEN: '123456:ABC-def_ghi',
      DISCORD_BOT_TOKEN: 'discord.token.value',
      SLACK_BOT_TOKEN: 'xoxb-1-2-3',
      SLACK_APP_TOKEN: 'xapp-1-2-3',
    };
    const config = parse(
      `instance: { name: Omni, timezone: Europe/Berlin }   # timezone default: the system's
http: { host: 127.0.0.1, port: 7077 }               # port 0 = pick a free one
models:
  anthropic: { baseUrl: https://api.anthropic.com, apiKey: \${ANTHROPIC_API_KEY} }  # or oauthToken
  openai:    { baseUrl: http://localhost:11434/v1, apiKey: \${OPENAI_API_KEY} }     # any OpenAI-compatible endpoint
channels:
  telegram: { token: \${TELEGRAM_BOT_TOKEN}, apiRoot: https://api.telegram.org }
  discord:  { token: \${DISCORD_BOT_TOKEN}, api: https://discord.com/api }
  slack:    { botToken: \${SLACK_BOT_TOKEN}, appToken: \${SLACK_APP_TOKEN}, apiUrl: https://slack.com/api/ }
  whatsapp: { enabled: false }
agents:
  - { id: main, name: Omni, main: true, runtime: claude, model: claude-sonnet-4-5, sandbox: auto }
routes:
  - { chat: "local:default", agent: main }
  - { chat: "tg:123456", agent: main, requiresTrigger: false }
`,
      env,
    );
    expect(config.instance).toEqual({ name: 'Omni', timezone: 'Europe/Berlin' });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 7077 });
    expect(config.models.anthropic).toEqual({
      baseUrl: 'https://api.anthropic.com',
      apiKey: env.ANTHROPIC_API_KEY,
    });
    expect(config.models.openai).toEqual({
      baseUrl: 'http://localhost:11434/v1',
      apiKey: env.OPENAI_API_KEY,
    });
    expect(config.channels.telegram).toEqual({
      token: env.TELEGRAM_BOT_TOKEN,
      apiRoot: 'https://api.telegram.org',
    });
    expect(config.channels.discord).toEqual({ token: env.DISCORD_BOT_TOKEN, api: 'https://discord.com/api' });
    expect(config.channels.slack).toEqual({
      botToken: env.SLACK_BOT_TOKEN,
      appToken: env.SLACK_APP_TOKEN,
      apiUrl: 'https://slack.com/api/',
    });
    expect(config.channels.whatsapp).toEqual({ enabled: false });
    expect(config.agents[0]).toMatchObject({
      id: 'main',
      name: 'Omni',
      main: true,
      runtime: 'claude',
      model: 'claude-sonnet-4-5',
      sandbox: 'auto',
    });
    expect(config.routes).toContainEqual({
      chat: 'local:default',
      agent: 'main',
      requiresTrigger: false,
      streamThreads: false,
    });
    expect(config.routes).toContainEqual({
      chat: 'tg:123456',
      agent: 'main',
      requiresTrigger: false,
      streamThreads: false,
    });
  });

  it('gives a non-main agent a trigger from its name and requires it on its routes', () => {
    const config = parse(
      'agents:\n  - { id: main, main: true }\n  - { id: helper, name: Bob }\nroutes:\n  - { chat: "tg:1", agent: helper }\n',
    );
    const helper = config.agents.find((a) => a.id === 'helper')!;
    expect(helper).toMatchObject({ name: 'Bob', main: false, trigger: '@Bob' });
    expect(config.routes.find((r) => r.chat === 'tg:1')).toMatchObject({ requiresTrigger: true });
    // Every agent is reachable from the terminal under its own chat.
    expect(config.routes.find((r) => r.chat === 'local:helper')).toMatchObject({
      agent: 'helper',
      requiresTrigger: false,
    });
  });
});

describe('OMNICLAW_* environment overrides', () => {
  const cases: {
    what: string;
    yaml: string;
    env: Record<string, string>;
    pick: (c: ReturnType<typeof parse>) => unknown;
    expected: unknown;
  }[] = [
    {
      what: 'OMNICLAW_HTTP_PORT over the file',
      yaml: 'http: { port: 7077 }\n',
      env: { OMNICLAW_HTTP_PORT: '7080' },
      pick: (c) => c.http,
      expected: { host: '127.0.0.1', port: 7080 },
    },
    {
      what: 'OMNICLAW_HTTP_PORT with no http section at all',
      yaml: '',
      env: { OMNICLAW_HTTP_PORT: '0' },
      pick: (c) => c.http.port,
      expected: 0,
    },
    {
      what: 'a nested camelCase key: OMNICLAW_QUEUE_RETRY_MAX_ATTEMPTS',
      yaml: 'queue: { retry: { maxAttempts: 3, baseDelayMs: 10 } }\n',
      env: { OMNICLAW_QUEUE_RETRY_MAX_ATTEMPTS: '7' },
      pick: (c) => c.queue.retry,
      expected: { maxAttempts: 7, baseDelayMs: 10, maxDelayMs: 60_000 },
    },
    {
      what: 'a boolean key',
      yaml: '',
      env: { OMNICLAW_LOGGING_FILE: 'false' },
      pick: (c) => c.logging.file,
      expected: false,
    },
    {
      what: 'a token made of digits stays a string',
      yaml: '',
      env: { OMNICLAW_CHANNELS_TELEGRAM_TOKEN: '1234567890' },
      pick: (c) => c.channels.telegram,
      expected: { token: '1234567890', apiRoot: 'https://api.telegram.org' },
    },
    {
      what: 'a token that looks like a boolean stays a string',
      yaml: 'models: { anthropic: { apiKey: placeholder } }\n',
      env: { OMNICLAW_MODELS_ANTHROPIC_API_KEY: 'true' },
      pick: (c) => c.models.anthropic?.apiKey,
      expected: 'true',
    },
    {
      what: 'an empty variable changes nothing',
      yaml: 'http: { port: 7081 }\n',
      env: { OMNICLAW_HTTP_PORT: '' },
      pick: (c) => c.http.port,
      expected: 7081,
    },
  ];

  it.each(cases)('$what', ({ yaml, env, pick, expected }) => {
    expect(pick(parse(yaml, env))).toEqual(expected);
  });

  it('names a variable for every scalar key, and none for lists', () => {
    const names = configEnvNames().map((l) => l.envName);
    expect(names).toEqual(
      expect.arrayContaining([
        'OMNICLAW_HTTP_PORT',
        'OMNICLAW_HTTP_HOST',
        'OMNICLAW_INSTANCE_TIMEZONE',
        'OMNICLAW_QUEUE_RETRY_MAX_ATTEMPTS',
        'OMNICLAW_SANDBOX_LIMITS_MEMORY_MB',
        'OMNICLAW_MODELS_ANTHROPIC_BASE_URL',
      ]),
    );
    expect(names.some((n) => n.startsWith('OMNICLAW_AGENTS') || n.startsWith('OMNICLAW_ROUTES'))).toBe(false);
  });
});

describe('${VAR} references', () => {
  it('keep a token-like value a string, whatever it looks like', () => {
    for (const token of ['123456', '1e5', 'true', 'null', '0x1F', '123456:ABC-def', ' spaced ']) {
      const config = parse('channels:\n  telegram: { token: "${TG}" }\n', { TG: token });
      expect(config.channels.telegram?.token).toBe(token);
    }
  });

  it('do not let a value inject YAML structure', () => {
    const config = parse('instance: { name: "${NAME}" }\n', { NAME: 'x }\nhttp: { port: 1 }' });
    expect(config.instance.name).toBe('x }\nhttp: { port: 1 }');
    expect(config.http.port).toBe(7077);
  });

  it('substitute inside a longer string, several times', () => {
    const config = parse('models:\n  openai: { baseUrl: "http://${H}:${P}/v1" }\n', {
      H: '127.0.0.1',
      P: '1234',
    });
    expect(config.models.openai?.baseUrl).toBe('http://127.0.0.1:1234/v1');
  });

  it('leave text without ${…} alone (a literal $ is fine)', () => {
    expect(parse('instance: { name: "$HOME and $5" }\n').instance.name).toBe('$HOME and $5');
  });
});

describe('the instance .env file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omniclaw-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('supplies ${VAR}; a process variable of the same name wins', () => {
    const envFile = join(dir, '.env');
    writeFileSync(envFile, '# secrets\nANTHROPIC_API_KEY=sk-from-file\nBOT_NAME="From File"\n');
    const fromFile = readEnvFile(envFile);
    expect(fromFile).toEqual({ ANTHROPIC_API_KEY: 'sk-from-file', BOT_NAME: 'From File' });
    // The merge order the CLI uses (src/cli/context.ts): process env over the file.
    const merged = { ...fromFile, ...{ ANTHROPIC_API_KEY: 'sk-from-process' } };
    const config = parse(
      'instance: { name: "${BOT_NAME}" }\nmodels: { anthropic: { apiKey: "${ANTHROPIC_API_KEY}" } }\n',
      merged,
    );
    expect(config.instance.name).toBe('From File');
    expect(config.models.anthropic?.apiKey).toBe('sk-from-process');
  });

  it('is optional', () => {
    expect(readEnvFile(join(dir, 'missing.env'))).toEqual({});
  });

  it('is written owner-only, keeps other lines and round-trips awkward values', () => {
    const envFile = join(dir, 'written.env');
    writeFileSync(envFile, '# keep me\nOTHER=1\nTOKEN=old\n', { mode: 0o644 });
    const awkward = 'va"l ue#with=stuff';
    writeEnvKeys(envFile, { TOKEN: 'new-token', NEW_KEY: awkward });
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const text = readFileSync(envFile, 'utf8');
    expect(text).toContain('# keep me\nOTHER=1\nTOKEN=new-token\n');
    expect(readEnvFile(envFile)).toEqual({ OTHER: '1', TOKEN: 'new-token', NEW_KEY: awkward });
    writeEnvKeys(envFile, { TOKEN: undefined });
    expect(readEnvFile(envFile)).toEqual({ OTHER: '1', NEW_KEY: awkward });
  });

  it.each([
    ["a single quote and a '#'", "it's #1"],
    ['a newline', 'line one\nline two'],
    ['backslashes and dollars', 'C:\\path\\$HOME\\n'],
    ['single and double quotes', `it's "quoted"`],
  ])('round-trips a value with %s', (_what, value) => {
    const envFile = join(dir, 'roundtrip.env');
    writeEnvKeys(envFile, { VALUE: value });
    expect(readEnvFile(envFile).VALUE).toBe(value);
  });

  it('refuses a value it could not read back, rather than corrupting it', () => {
    expect(() => writeEnvKeys(join(dir, 'refused.env'), { VALUE: `' \` "` })).toThrow(/cannot be stored/);
  });
});
