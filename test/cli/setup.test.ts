/**
 * `omniclaw setup` from flags, in a temp OMNICLAW_HOME, against the fake Anthropic,
 * OpenAI-compatible and Telegram servers on 127.0.0.1: the model tested with one real
 * request before it is saved, the Telegram chat taken from the first message the bot gets,
 * a re-run that keeps hand edits and comments, and bad input that saves nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { registerSetup, type SetupDeps } from '../../src/cli/setup.js';
import { instancePaths, type InstancePaths } from '../../src/config/paths.js';
import { readEnvFile } from '../../src/config/env-file.js';
import { loadConfigFile } from '../../src/config/load.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeOpenAI } from '../fakes/fake-openai.js';
import { privateChat, startFakeTelegram, type FakeTelegram } from '../fakes/fake-telegram.js';

let home: string;
let paths: InstancePaths;
let output: string;
let cleanups: (() => Promise<void> | void)[];

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'omniclaw-setup-'));
  paths = instancePaths(home);
  output = '';
  cleanups = [];
});
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(home, { recursive: true, force: true });
});

async function setup(args: string[], extra: Partial<SetupDeps> = {}): Promise<void> {
  const program = new Command().exitOverride();
  registerSetup(program, {
    paths,
    logger: silentLogger(),
    env: { OMNICLAW_LOCAL_MODEL_URLS: 'none' },
    interactive: false,
    out: (text) => void (output += text),
    // An engine without the image on the machine running the tests must not start a build.
    buildImage: async () => {
      throw new Error('no image build in this test');
    },
    ...extra,
  });
  await program.parseAsync(['node', 'omniclaw', 'setup', ...args]);
}

const config = () => readFileSync(paths.config, 'utf8');
const tgRoutes = (cfg: { routes: { chat: string; agent: string }[] }) =>
  cfg.routes.filter((r) => r.chat.startsWith('tg:')).map(({ chat, agent }) => ({ chat, agent }));
const loaded = () => loadConfigFile(paths.config, { env: readEnvFile(paths.envFile) });

const telegramFlags = (tg: FakeTelegram) => [
  '--channel',
  'telegram',
  '--telegram-token',
  tg.token,
  '--api-url',
  tg.apiRoot,
];

async function fakes() {
  const anthropic = await startFakeAnthropic();
  const openai = await startFakeOpenAI({ models: ['llama3.2', 'qwen3:8b'] });
  const telegram = await startFakeTelegram({ username: 'omni_setup_bot' });
  cleanups.push(
    () => anthropic.close(),
    () => openai.close(),
    () => telegram.close(),
  );
  return { anthropic, openai, telegram };
}

describe('omniclaw setup from flags', () => {
  it('tests the Anthropic key, adds Telegram and routes the chat the first message comes from', async () => {
    const { anthropic, telegram } = await fakes();
    const run = setup([
      '--model',
      'anthropic',
      '--anthropic-key',
      'sk-ant-setup-1',
      '--anthropic-url',
      anthropic.url,
      ...telegramFlags(telegram),
      '--no-service',
    ]);
    // The person writes to the bot once setup is listening.
    await telegram.waitForCall('getUpdates');
    telegram.userSends({ chat: privateChat(4242), text: 'hello?' });
    await run;

    const countTokens = anthropic.requests.filter((r) => r.path.startsWith('/v1/messages/count_tokens'));
    expect(countTokens).toHaveLength(1);
    expect(countTokens[0]!.headers['x-api-key']).toBe('sk-ant-setup-1');
    expect(output).toContain('Send any message to your bot now');
    expect(output).toContain('✓ tg:4242 is routed to the agent main');
    expect(readEnvFile(paths.envFile)).toMatchObject({
      ANTHROPIC_API_KEY: 'sk-ant-setup-1',
      TELEGRAM_BOT_TOKEN: telegram.token,
    });
    expect(statSync(paths.envFile).mode & 0o777).toBe(0o600);
    expect(statSync(paths.config).mode & 0o777).toBe(0o600);
    // Secrets stay in .env; the YAML holds references, and the commented template stays.
    expect(config()).not.toContain('sk-ant-setup-1');
    expect(config()).toContain('# OmniClaw configuration.');
    const cfg = loaded();
    expect(cfg.models.anthropic).toMatchObject({ apiKey: 'sk-ant-setup-1', baseUrl: anthropic.url });
    expect(cfg.agents.find((a) => a.main)).toMatchObject({ id: 'main', runtime: 'claude' });
    expect(tgRoutes(cfg)).toEqual([{ chat: 'tg:4242', agent: 'main' }]);
    // The message was confirmed, so the daemon does not answer "hello?" at its first start.
    expect(telegram.pendingUpdates()).toBe(0);
  });

  it('lists the OpenAI-compatible server’s models and uses the one asked for', async () => {
    const { openai } = await fakes();
    await setup([
      '--model',
      'openai',
      '--openai-url',
      `${openai.url}/v1`,
      '--openai-model',
      'qwen3:8b',
      '--no-service',
    ]);
    const cfg = loaded();
    expect(cfg.models.openai?.baseUrl).toBe(`${openai.url}/v1`);
    expect(cfg.agents.find((a) => a.main)).toMatchObject({ runtime: 'openai', model: 'qwen3:8b' });
    expect(
      openai.requests.filter((r) => r.method === 'GET' && r.path === '/v1/models').length,
    ).toBeGreaterThan(0);
    expect(output).toContain('Chat apps: unchanged.');
    expect(output).toContain('omniclaw service install');
    // Nothing runs yet, so `chat` alone would find no daemon: say to start it first.
    expect(output).toContain('Start it with `omniclaw start`');
    expect(output).not.toContain('Talk to it now');
  });

  it('refuses a model the server does not have, naming the ones it has, and saves nothing', async () => {
    const { openai } = await fakes();
    await expect(
      setup([
        '--model',
        'openai',
        '--openai-url',
        `${openai.url}/v1`,
        '--openai-model',
        'gpt-9',
        '--no-service',
      ]),
    ).rejects.toThrow('The model server does not offer gpt-9; it has llama3.2, qwen3:8b.');
    expect(existsSync(paths.config)).toBe(false);
    expect(existsSync(paths.envFile)).toBe(false);
  });

  it('says how to start an unreachable model server and saves nothing', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      setup(['--model', 'openai', '--openai-url', `http://127.0.0.1:${port}/v1`, '--no-service']),
    ).rejects.toThrow(/could not be reached \(ECONNREFUSED\)\. Start it \(for Ollama: `ollama serve`\)/);
    expect(existsSync(paths.config)).toBe(false);
  });

  it('re-run changes only what is asked: hand edits and comments survive, the route is added once', async () => {
    const { anthropic, openai, telegram } = await fakes();
    await setup(['--model', 'openai', '--openai-url', `${openai.url}/v1`, '--no-service']);
    // The person edits the file by hand.
    const edited = config()
      .replace('name: Omni', 'name: Jarvis   # my assistant, renamed by hand')
      .replace(
        'agents:\n',
        'agents:\n  # the helper I added myself\n  - { id: helper, sandbox: none, model: llama3.2, runtime: openai }\n',
      );
    writeFileSync(paths.config, edited);

    // Re-run asking for Telegram only, with the chat id given: the model stays.
    await setup([...telegramFlags(telegram), '--telegram-chat', '777', '--no-service']);
    let text = config();
    expect(text).toContain('name: Jarvis   # my assistant, renamed by hand\n');
    expect(text).toContain(
      '  # the helper I added myself\n  - { id: helper, sandbox: none, model: llama3.2, runtime: openai }',
    );
    expect(output).toContain('Model: unchanged.');
    expect(tgRoutes(loaded())).toEqual([{ chat: 'tg:777', agent: 'main' }]);
    expect(loaded().agents.find((a) => a.main)).toMatchObject({ runtime: 'openai', model: 'llama3.2' });

    // And once more, switching the model to Anthropic and giving the same chat.
    await setup([
      '--model',
      'anthropic',
      '--anthropic-key',
      'sk-ant-2',
      '--anthropic-url',
      anthropic.url,
      '--telegram-chat',
      '777',
      '--no-service',
    ]);
    text = config();
    expect(output).toContain('✓ Telegram is configured already; its token is kept.');
    expect(text).toContain('name: Jarvis   # my assistant, renamed by hand\n');
    expect(text).toContain('# the helper I added myself');
    expect(text).toContain('# OmniClaw configuration.');
    const cfg = loaded();
    expect(tgRoutes(cfg)).toHaveLength(1);
    expect(cfg.models.openai?.baseUrl).toBe(`${openai.url}/v1`);
    expect(cfg.agents.find((a) => a.id === 'helper')).toMatchObject({ runtime: 'openai', model: 'llama3.2' });
    expect(cfg.agents.find((a) => a.main)).toMatchObject({ runtime: 'claude', model: 'claude-sonnet-4-5' });
    expect(output).toContain('✓ tg:777 was routed already; left as it is');
  });

  it('refuses a chat id that is not a number before changing anything', async () => {
    const { telegram } = await fakes();
    await expect(
      setup([...telegramFlags(telegram), '--telegram-chat', '@me', '--no-service']),
    ).rejects.toThrow('--telegram-chat is a number');
    expect(existsSync(paths.config)).toBe(false);
    expect(telegram.calls).toHaveLength(0);
  });

  it('installs the service with --yes through the same code as `service install`', async () => {
    const { openai } = await fakes();
    const unitDir = join(home, 'units');
    await setup(['--model', 'openai', '--openai-url', `${openai.url}/v1`, '--yes'], {
      service: {
        platform: 'linux',
        unitDir: () => unitDir,
        manager: () => ['true'],
        env: { PATH: '/usr/bin' },
        out: () => {},
      },
    });
    expect(readFileSync(join(unitDir, 'omniclaw.service'), 'utf8')).toContain(`OMNICLAW_HOME=${home}`);
    expect(output).toContain('OmniClaw runs as a service now.');
    expect(output).toContain('Talk to it now: `omniclaw chat`.');
  });
});

describe('omniclaw setup and the agent image', () => {
  const missing = 'omniclaw-agent:setup-test-missing';
  const lacksImage = () => writeFileSync(paths.config, `sandbox:\n  image: ${missing}\n`);
  const modelFlags = (url: string) => ['--model', 'openai', '--openai-url', `${url}/v1`, '--no-service'];

  it('builds the image Docker lacks with --yes, showing the build as it goes', async () => {
    const { openai } = await fakes();
    lacksImage();
    const builds: { tag: string; cli: string }[] = [];
    await setup([...modelFlags(openai.url), '--yes'], {
      buildImage: async ({ tag, cli, onOutput }) => {
        builds.push({ tag, cli });
        onOutput('Step 1/3 : FROM scratch');
        onOutput('Successfully tagged ' + tag);
        return { tag, mode: 'offline', built: true };
      },
    });
    expect(builds).toEqual([{ tag: missing, cli: 'docker' }]);
    expect(output).toContain(`Building ${missing} with docker…\n  │ Step 1/3 : FROM scratch\n`);
    expect(output).toContain(`✓ Built the agent image ${missing} (offline).`);
    expect(output).toContain('auto run in docker');
  });

  it('with --no-image only says how, and a failed build leaves the rest of setup done', async () => {
    const { openai } = await fakes();
    lacksImage();
    let asked = 0;
    await setup([...modelFlags(openai.url), '--yes', '--no-image'], {
      buildImage: async () => {
        asked++;
        throw new Error('not wanted');
      },
    });
    expect(asked).toBe(0);
    expect(output).toContain('Build it later with `omniclaw image build`');
    expect(output).not.toContain('auto run in docker');

    output = '';
    await setup([...modelFlags(openai.url), '--yes'], {
      buildImage: async () => {
        throw new Error('apt-get failed: no network\nmore detail');
      },
    });
    expect(output).toContain('✗ The image build failed: apt-get failed: no network Build it later');
    expect(loaded().agents.find((a) => a.main)).toMatchObject({ runtime: 'openai' });
  });
});
