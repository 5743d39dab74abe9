/**
 * `omniclaw channels add|list|remove`, non-interactive, in a temp OMNICLAW_HOME, checking
 * tokens against the fake platforms on 127.0.0.1.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { makeEventBuffer, type WAMessage } from 'baileys';
import { registerChannelsCommand } from '../../src/cli/channels.js';
import { checkConfiguredToken } from '../../src/cli/channels-platforms.js';
import { instancePaths, type InstancePaths } from '../../src/config/paths.js';
import { readEnvFile, writeEnvKeys } from '../../src/config/env-file.js';
import { loadConfigFile } from '../../src/config/load.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/fake-telegram.js';
import { startFakeDiscord } from '../fakes/fake-discord.js';
import type { WhatsAppSocket } from '../../src/channels/whatsapp/index.js';

let home: string;
let paths: InstancePaths;
let output: string;
let cleanups: (() => Promise<void> | void)[];

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'omniclaw-home-'));
  paths = instancePaths(home);
  output = '';
  cleanups = [];
});
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(home, { recursive: true, force: true });
});

async function run(
  args: string[],
  extra: Partial<Parameters<typeof registerChannelsCommand>[1]> = {},
): Promise<void> {
  const program = new Command().exitOverride();
  registerChannelsCommand(program, {
    paths,
    logger: silentLogger(),
    // First-start model detection must not reach a real Ollama / LM Studio here.
    env: { OMNICLAW_LOCAL_MODEL_URLS: 'none' },
    interactive: false,
    out: (text) => void (output += text),
    ...extra,
  });
  await program.parseAsync(['node', 'omniclaw', 'channels', ...args]);
}

async function telegram(): Promise<FakeTelegram> {
  const tg = await startFakeTelegram({ username: 'omni_test_bot' });
  cleanups.push(() => tg.close());
  return tg;
}

async function slack(): Promise<FakeSlack> {
  const fake = await startFakeSlack({ botToken: 'xoxb-cli-bot', appToken: 'xapp-cli-app' });
  cleanups.push(() => fake.close());
  return fake;
}

async function discord(): Promise<Awaited<ReturnType<typeof startFakeDiscord>>> {
  const dc = await startFakeDiscord({ token: 'discord-token-1' });
  cleanups.push(() => dc.close());
  return dc;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const config = (): string => readFileSync(paths.config, 'utf8');

describe('omniclaw channels add', () => {
  it('adds Telegram: checks the token with getMe, stores it in .env (0600), references it from the config', async () => {
    const tg = await telegram();
    mkdirSync(home, { recursive: true });
    writeFileSync(paths.config, '# my assistant\ninstance:\n  name: Omni # the name\n');
    await run(['add', 'telegram', '--token', tg.token, '--api-url', tg.apiRoot]);
    expect(output).toContain('the token works (@omni_test_bot)');
    expect(readEnvFile(paths.envFile)).toEqual({ TELEGRAM_BOT_TOKEN: tg.token });
    expect(statSync(paths.envFile).mode & 0o777).toBe(0o600);
    const text = config();
    expect(text).toContain('# my assistant');
    expect(text).toContain('# the name');
    expect(text).toContain('token: ${TELEGRAM_BOT_TOKEN}');
    expect(text).not.toContain(tg.token);
    const loaded = loadConfigFile(paths.config, { env: readEnvFile(paths.envFile) });
    expect(loaded.channels.telegram).toMatchObject({ token: tg.token, apiRoot: tg.apiRoot });
  });

  it('refuses a wrong Telegram token, without the token in the error, and writes nothing', async () => {
    const tg = await telegram();
    const wrong = '999:wrong-token-value';
    const error = await run(['add', 'telegram', '--token', wrong, '--api-url', tg.apiRoot]).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/Telegram refused the token/);
    expect((error as Error).message).not.toContain(wrong);
    expect(existsSync(paths.envFile)).toBe(false);
    expect(existsSync(paths.config)).toBe(false);
  });

  it('adds Slack: checks both tokens (auth.test, apps.connections.open) and writes a config the loader accepts', async () => {
    const fake = await slack();
    await run([
      'add',
      'slack',
      '--bot-token',
      'xoxb-cli-bot',
      '--app-token',
      'xapp-cli-app',
      '--api-url',
      fake.apiUrl,
    ]);
    expect(fake.callsTo('auth.test')[0]?.authorization).toBe('Bearer xoxb-cli-bot');
    expect(fake.callsTo('apps.connections.open')[0]?.authorization).toBe('Bearer xapp-cli-app');
    expect(output).toContain('✓ slack: the token works (omni in Fake)');
    expect(readEnvFile(paths.envFile)).toEqual({
      SLACK_BOT_TOKEN: 'xoxb-cli-bot',
      SLACK_APP_TOKEN: 'xapp-cli-app',
    });
    const loaded = loadConfigFile(paths.config, { env: readEnvFile(paths.envFile) });
    expect(loaded.channels.slack).toMatchObject({
      botToken: 'xoxb-cli-bot',
      appToken: 'xapp-cli-app',
      apiUrl: fake.apiUrl,
    });
  });

  it('refuses a Slack app token that Slack rejects', async () => {
    const fake = await slack();
    await expect(
      run([
        'add',
        'slack',
        '--bot-token',
        'xoxb-cli-bot',
        '--app-token',
        'xapp-other',
        '--api-url',
        fake.apiUrl,
      ]),
    ).rejects.toThrow(/Slack refused the app token \(invalid_auth\).*connections:write/);
  });

  it.each([
    [['--bot-token', 'xapp-swapped', '--app-token', 'xapp-x'], /bot token starts with "xoxb-"/],
    [['--bot-token', 'xoxb-a\nEVIL=1', '--app-token', 'xapp-x'], /no spaces or line breaks/],
    [['--bot-token', 'xoxb-a'], /app-level token .* is needed; pass --app-token/],
  ])('rejects bad Slack input %j before contacting anyone', async (args, message) => {
    await expect(run(['add', 'slack', ...args, '--api-url', 'http://127.0.0.1:9/api/'])).rejects.toThrow(
      message,
    );
    expect(existsSync(paths.envFile)).toBe(false);
  });

  it('adds Discord after checking /users/@me with the Bot token', async () => {
    const { api } = await discord();
    await run(['add', 'discord', '--token', 'discord-token-1', '--api-url', api]);
    expect(output).toContain('the token works (omni)');
    expect(config()).toContain('token: ${DISCORD_BOT_TOKEN}');
    expect(config()).toContain(`api: ${api}`);
    await expect(run(['add', 'discord', '--token', 'nope', '--api-url', api])).rejects.toThrow(
      /Discord refused the token/,
    );
  });

  it('says how to reach a platform that is down, and --no-check skips the check', async () => {
    const api = `http://127.0.0.1:${await closedPort()}/api`;
    await expect(run(['add', 'discord', '--token', 'x', '--api-url', api])).rejects.toThrow(
      /could not be reached \(ECONNREFUSED\)/,
    );
    await run(['add', 'discord', '--token', 'x', '--api-url', api, '--no-check']);
    expect(readEnvFile(paths.envFile)).toEqual({ DISCORD_BOT_TOKEN: 'x' });
  });

  it('replaces a platform’s section on a second add and keeps the other channels', async () => {
    const tg = await telegram();
    await run(['add', 'discord', '--token', 'x', '--no-check']);
    await run(['add', 'telegram', '--token', tg.token, '--api-url', tg.apiRoot]);
    await run(['add', 'telegram', '--token', tg.token, '--no-check']);
    const text = config();
    expect(text).toContain('discord:');
    expect(text.match(/^\s*telegram:/gm)).toHaveLength(1);
    expect(text).not.toContain('apiRoot');
  });

  it('rejects an unknown platform', async () => {
    await expect(run(['add', 'myspace', '--token', 'x'])).rejects.toThrow(/unknown chat app "myspace"/);
  });

  it('pairs WhatsApp through the socket seam: shows the QR code, waits for the phone, saves the session', async () => {
    const qrs: string[] = [];
    const sockets: WhatsAppSocket[] = [];
    const factory = (): WhatsAppSocket => {
      const ev = makeEventBuffer(silentLogger() as never);
      const socket: WhatsAppSocket = {
        ev,
        user: { id: '15550001111:1@s.whatsapp.net' },
        sendMessage: async () => ({ key: { id: 'X' } }) as WAMessage,
        sendPresenceUpdate: async () => undefined,
        end: () => undefined,
      };
      sockets.push(socket);
      // The phone scans the first code: WhatsApp saves credentials, then the connection opens.
      setTimeout(() => {
        ev.emit('connection.update', { qr: 'QR-PAYLOAD' });
        ev.emit('creds.update', {});
        ev.emit('connection.update', { connection: 'open' });
      }, 5);
      return socket;
    };
    await run(['add', 'whatsapp'], { whatsappSocketFactory: factory, onQr: (qr) => void qrs.push(qr) });
    expect(qrs).toEqual(['QR-PAYLOAD']);
    expect(output).toContain('✓ WhatsApp paired');
    expect(existsSync(join(paths.whatsappAuth, 'creds.json'))).toBe(true);
    expect(statSync(paths.whatsappAuth).mode & 0o777).toBe(0o700);
    expect(config()).toMatch(/whatsapp:\n\s+enabled: true/);
  });

  it('gives up on WhatsApp pairing after the timeout', async () => {
    const factory = (): WhatsAppSocket => ({
      ev: makeEventBuffer(silentLogger() as never),
      sendMessage: async () => undefined,
      sendPresenceUpdate: async () => undefined,
      end: () => undefined,
    });
    await expect(
      run(['add', 'whatsapp', '--pair-timeout', '0.05'], { whatsappSocketFactory: factory }),
    ).rejects.toThrow(/not paired within 0.05 s/);
  });

  it('enables WhatsApp without pairing when asked', async () => {
    await run(['add', 'whatsapp', '--no-pair']);
    expect(config()).toContain('enabled: true');
    expect(existsSync(paths.envFile)).toBe(false);
  });
});

describe('omniclaw channels list and remove', () => {
  it('lists channels and whether their variables are set, never the values', async () => {
    // A file whose channels section comes last, so a literal token can be appended below.
    mkdirSync(home, { recursive: true });
    writeFileSync(paths.config, 'instance:\n  name: Omni\n');
    await run(['add', 'telegram', '--token', '123:secret-telegram', '--no-check']);
    await run(['add', 'slack', '--bot-token', 'xoxb-secret', '--app-token', 'xapp-secret', '--no-check']);
    await run(['add', 'whatsapp', '--no-pair']);
    writeEnvKeys(paths.envFile, { SLACK_APP_TOKEN: undefined });
    writeFileSync(paths.config, config() + '  discord:\n    token: literal-discord-token\n');
    output = '';
    await run(['list']);
    expect(output).toMatch(/telegram\s+token from \$\{TELEGRAM_BOT_TOKEN\}: set/);
    expect(output).toMatch(
      /slack\s+botToken from \$\{SLACK_BOT_TOKEN\}: set; appToken from \$\{SLACK_APP_TOKEN\}: NOT SET/,
    );
    expect(output).toMatch(/whatsapp\s+enabled; not paired/);
    expect(output).toMatch(/discord\s+token: written in omniclaw.yaml \(move it to .env\)/);
    for (const secret of ['secret-telegram', 'xoxb-secret', 'literal-discord-token'])
      expect(output).not.toContain(secret);
    output = '';
    await run(['list', '--json']);
    expect(JSON.parse(output)).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'whatsapp', paired: false })]),
    );
  });

  it('counts a variable set in the process environment as set', async () => {
    await run(['add', 'telegram', '--token', '123:abc', '--no-check']);
    rmSync(paths.envFile);
    output = '';
    await run(['list'], { env: { TELEGRAM_BOT_TOKEN: '123:abc' } });
    expect(output).toMatch(/TELEGRAM_BOT_TOKEN\}: set/);
  });

  it('reports `NAME=` in .env as set but empty, not as missing', async () => {
    await run(['add', 'telegram', '--token', '123:abc', '--no-check']);
    writeFileSync(paths.envFile, 'TELEGRAM_BOT_TOKEN=\n', { mode: 0o600 });
    output = '';
    await run(['list']);
    expect(output).toMatch(/TELEGRAM_BOT_TOKEN\}: SET BUT EMPTY/);
  });

  it('before the first start, writes the commented template (0600, model detected) and adds the channel', async () => {
    writeFileSync(paths.envFile, 'ANTHROPIC_API_KEY=sk-ant-test-0123456789\n', { mode: 0o600 });
    await run(['add', 'telegram', '--token', '123:abc', '--no-check']);
    const text = config();
    expect(text).toContain('# OmniClaw configuration.');
    expect(text).toContain('apiKey: ${ANTHROPIC_API_KEY}');
    expect(text).toContain('token: ${TELEGRAM_BOT_TOKEN}');
    expect(statSync(paths.config).mode & 0o777).toBe(0o600);
    const loaded = loadConfigFile(paths.config, { env: readEnvFile(paths.envFile) });
    expect(loaded.agents.map((a) => a.id)).toEqual(['main']);
    expect(loaded.channels.telegram).toBeDefined();
  });

  it('says how to add one when nothing is configured', async () => {
    await run(['list']);
    expect(output).toContain('No chat apps configured');
  });

  it('removes a section, keeping comments and other channels; --delete-secrets also clears .env', async () => {
    mkdirSync(home, { recursive: true });
    writeFileSync(paths.config, '# top comment\nchannels:\n  # keep me\n  local:\n    enabled: true\n');
    writeEnvKeys(paths.envFile, { OTHER: 'kept' });
    await run(['add', 'telegram', '--token', '123:abc', '--no-check']);
    await run(['add', 'slack', '--bot-token', 'xoxb-a', '--app-token', 'xapp-b', '--no-check']);
    await run(['remove', 'telegram']);
    expect(config()).not.toContain('telegram');
    expect(config()).toContain('# keep me');
    expect(config()).toContain('# top comment');
    expect(readEnvFile(paths.envFile)).toHaveProperty('TELEGRAM_BOT_TOKEN');
    await run(['remove', 'slack', '--delete-secrets']);
    expect(readEnvFile(paths.envFile)).toEqual({ OTHER: 'kept', TELEGRAM_BOT_TOKEN: '123:abc' });
    await expect(run(['remove', 'slack'])).rejects.toThrow(/slack is not configured/);
  });

  it('remove whatsapp --delete-secrets deletes the pairing', async () => {
    await run(['add', 'whatsapp', '--no-pair']);
    mkdirSync(paths.whatsappAuth, { recursive: true });
    writeFileSync(join(paths.whatsappAuth, 'creds.json'), '{}');
    await run(['remove', 'whatsapp', '--delete-secrets']);
    expect(existsSync(paths.whatsappAuth)).toBe(false);
    expect(output).toContain('Linked devices');
  });

  it('checks the whole config before saving anything: an invalid omniclaw.yaml leaves .env and the file alone', async () => {
    const tg = await telegram();
    mkdirSync(home, { recursive: true });
    const broken = 'agents:\n  - { id: main, main: true, runtime: claude, model: m, sandboxx: auto }\n';
    writeFileSync(paths.config, broken);
    await expect(run(['add', 'telegram', '--token', tg.token, '--api-url', tg.apiRoot])).rejects.toThrow(
      /omniclaw\.yaml:2:\d+: agents\[0\]\.sandboxx: unknown key[\s\S]*nothing was changed/,
    );
    expect(existsSync(paths.envFile)).toBe(false);
    expect(config()).toBe(broken);
    expect(tg.calls.filter((c) => c.method === 'getMe')).toHaveLength(0);
  });

  it('checks a configured channel’s token from the loaded config (for doctor)', async () => {
    const tg = await telegram();
    const { api } = await discord();
    await expect(checkConfiguredToken('telegram', { token: tg.token, apiRoot: tg.apiRoot })).resolves.toBe(
      '@omni_test_bot',
    );
    await expect(checkConfiguredToken('discord', { token: 'discord-token-1', api })).resolves.toBe('omni');
    await expect(checkConfiguredToken('discord', { token: 'revoked', api })).rejects.toThrow(
      /Discord refused the token/,
    );
    await expect(checkConfiguredToken('whatsapp', { enabled: true })).resolves.toBeUndefined();
  });

  it('says which routes still point at a removed channel', async () => {
    mkdirSync(home, { recursive: true });
    writeFileSync(
      paths.config,
      'channels:\n  telegram: { token: ${TG} }\n' +
        'agents:\n  - { id: main, main: true, runtime: claude, model: m }\n' +
        'routes:\n  - { chat: "tg:1", agent: main }\n  - { chat: "dc:2", agent: main }\n  - { chat: "tg:3", agent: main }\n',
    );
    await run(['remove', 'telegram']);
    expect(output).toContain('2 routes still point at telegram (tg:1, tg:3)');
    expect(output).not.toContain('dc:2');
  });

  it('refuses to edit a config that is not valid YAML', async () => {
    mkdirSync(home, { recursive: true });
    writeFileSync(paths.config, 'channels: [unclosed\n');
    await expect(run(['add', 'whatsapp', '--no-pair'])).rejects.toThrow(/not valid YAML/);
    expect(config()).toBe('channels: [unclosed\n');
  });
});
