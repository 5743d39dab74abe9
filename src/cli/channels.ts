/**
 * `omniclaw channels add|list|remove`: sets up chat apps. Tokens go to the instance .env
 * (0600), never into omniclaw.yaml or the database; the config references them as ${VAR}.
 * `add` asks for what is missing (when on a terminal), checks the tokens against the
 * platform (at the configured URL, so self-hosted API servers and tests work), and for
 * WhatsApp shows the QR code and waits for the phone to pair.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { InstancePaths } from '../config/paths.js';
import { readEnvFile, writeEnvKeys } from '../config/env-file.js';
import { defaultConfigText, detectModel, localModelServers } from '../config/init.js';
import type { Logger } from '../observability/logger.js';
import { parseConfigText } from '../config/load.js';
import {
  readChannelSections,
  readRouteChats,
  referencedVariables,
  removeChannelSection,
  setChannelSection,
} from './channels-config.js';
import { PLATFORMS, platformNames, sectionFor, type Platform } from './channels-platforms.js';
// Platform libraries load only when their command runs: `omniclaw start` must not carry them.
import type { WhatsAppSocketFactory } from '../channels/whatsapp/index.js';

export interface ChannelsCommandDeps {
  paths: InstancePaths;
  logger: Logger;
  /** Defaults to process.env; variables set there count as "set" in `list`. */
  env?: Record<string, string | undefined>;
  out?: (text: string) => void;
  /** Ask for missing values; defaults to stdin being a terminal. */
  interactive?: boolean;
  fetch?: typeof fetch;
  /** The seam for WhatsApp pairing (tests); defaults to a real baileys socket. */
  whatsappSocketFactory?: WhatsAppSocketFactory;
  onQr?: (qr: string) => void | Promise<void>;
}

export interface AddOptions {
  token?: string;
  botToken?: string;
  appToken?: string;
  apiUrl?: string;
  check: boolean;
  pair: boolean;
  pairTimeout: string;
  /** `setup` adds the route itself: no "Next: route a chat" hint. */
  quietNext?: boolean;
}

export function registerChannelsCommand(program: Command, deps: ChannelsCommandDeps): void {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const channels = program.command('channels').description('set up chat apps: add, list, remove');

  channels
    .command('add')
    .description(`connect a chat app (${platformNames.join(', ')})`)
    .argument('<platform>', platformNames.join(' | '))
    .option('--token <token>', 'bot token (Telegram, Discord)')
    .option('--bot-token <token>', 'Slack bot token (xoxb-…)')
    .option('--app-token <token>', 'Slack app-level token (xapp-…)')
    .option('--api-url <url>', 'platform API URL (self-hosted Bot API server, proxy)')
    .option('--no-check', 'do not check the tokens against the platform')
    .option('--no-pair', 'WhatsApp: only enable it; pair later')
    .option('--pair-timeout <seconds>', 'WhatsApp: how long to wait for the QR code to be scanned', '180')
    .action(async (name: string, options: AddOptions) => {
      await addChannel(platformOf(name), options, deps, out);
    });

  channels
    .command('list')
    .description('show configured chat apps and whether their tokens are set (never the values)')
    .option('--json', 'machine-readable output')
    .action((options: { json?: boolean }) => listChannels(deps, out, options.json === true));

  channels
    .command('remove')
    .description('remove a chat app from omniclaw.yaml')
    .argument('<platform>', platformNames.join(' | '))
    .option('--delete-secrets', 'also delete its tokens from .env (and WhatsApp’s pairing)')
    .action((name: string, options: { deleteSecrets?: boolean }) =>
      removeChannel(platformOf(name), options.deleteSecrets === true, deps, out),
    );
}

export function platformOf(name: string): Platform {
  const platform = PLATFORMS[name.toLowerCase() as Platform['name']];
  if (!platform) throw new Error(`unknown chat app "${name}"; choose one of ${platformNames.join(', ')}`);
  return platform;
}

/** `channels add`'s whole step, also what `omniclaw setup` runs for a chat app. */
export async function addChannel(
  platform: Platform,
  options: AddOptions,
  deps: ChannelsCommandDeps,
  out: (text: string) => void,
): Promise<void> {
  const interactive = deps.interactive ?? process.stdin.isTTY === true;
  const secrets: Record<string, string> = {};
  for (const field of platform.secrets) {
    let value = (options as unknown as Record<string, string | undefined>)[field.option]?.trim();
    if (!value && interactive) value = await ask(field.prompt, field.validate);
    if (!value) {
      const flag = '--' + field.option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw new Error(
        `${platform.name}: ${field.prompt} is needed; pass ${flag} (or run on a terminal to be asked)`,
      );
    }
    const problem = field.validate(value);
    if (problem) throw new Error(`${platform.name}: ${problem}`);
    secrets[field.option] = value;
  }
  const url = options.apiUrl ?? platform.url?.default;
  // Everything is checked before anything is saved: the new config, then the tokens.
  // Before the first start: the same commented template (model detected) that start writes.
  const env = { ...readEnvFile(deps.paths.envFile), ...(deps.env ?? process.env) };
  const fresh = !existsSync(deps.paths.config);
  const current = fresh
    ? defaultConfigText(await detectModel(env, localModelServers(env)))
    : readFileSync(deps.paths.config, 'utf8');
  const updated = setChannelSection(current, platform.name, sectionFor(platform, url));
  const envValues = Object.fromEntries(platform.secrets.map((f) => [f.envVar, secrets[f.option]!]));
  assertConfigLoads(updated, envValues, deps);
  if (options.check && platform.verify && url) {
    const who = await platform.verify(secrets, url, deps.fetch ?? fetch);
    out(`✓ ${platform.name}: the token works (${who})\n`);
  }

  mkdirSync(deps.paths.home, { recursive: true, mode: 0o700 });
  if (platform.secrets.length) {
    writeEnvKeys(deps.paths.envFile, envValues);
    out(`✓ ${platform.secrets.map((f) => f.envVar).join(', ')} saved in ${deps.paths.envFile} (mode 0600)\n`);
  }
  writeFileSync(deps.paths.config, updated, fresh ? { mode: 0o600 } : {});
  out(`✓ channels.${platform.name} written to ${deps.paths.config}\n`);

  if (platform.name === 'whatsapp' && options.pair)
    await pairWhatsApp(deps, Number(options.pairTimeout), out);
  if (options.quietNext !== true)
    out(
      `Next: route a chat to an agent under routes: in ${deps.paths.config}, then restart OmniClaw (see docs/channels.md).\n`,
    );
}

/**
 * The config as it would be after the edit must load, or nothing is saved. Variables that
 * are not set yet (a model key the user adds later) get a stand-in: that is `start`'s and
 * `doctor`'s to report, not a reason to refuse adding a channel.
 */
function assertConfigLoads(text: string, added: Record<string, string>, deps: ChannelsCommandDeps): void {
  const env: Record<string, string | undefined> = {
    ...readEnvFile(deps.paths.envFile),
    ...(deps.env ?? process.env),
    ...added,
  };
  for (const [, name] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g))
    if (!env[name!]) env[name!] = 'unset';
  try {
    parseConfigText(text, deps.paths.config, { env });
  } catch (err) {
    throw new Error(`${(err as Error).message}\nFix that in omniclaw.yaml first; nothing was changed.`, {
      cause: err,
    });
  }
}

async function ask(message: string, validate: (value: string) => string | undefined): Promise<string> {
  const { isCancel, password } = await import('@clack/prompts');
  const answer = await password({ message, validate: (value) => validate(value?.trim() ?? '') });
  if (isCancel(answer)) throw new Error('cancelled; nothing was changed');
  return answer.trim();
}

async function pairWhatsApp(
  deps: ChannelsCommandDeps,
  timeoutSeconds: number,
  out: (text: string) => void,
): Promise<void> {
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw new Error('--pair-timeout must be a number of seconds');
  out('Connecting to WhatsApp…\n');
  const { WhatsAppChannel } = await import('../channels/whatsapp/index.js');
  const channel = new WhatsAppChannel({
    authDir: deps.paths.whatsappAuth,
    logger: deps.logger,
    inboxFor: () => undefined,
    allowPairing: true,
    connectWaitMs: Infinity,
    ...(deps.onQr ? { onQr: deps.onQr } : {}),
    ...(deps.whatsappSocketFactory ? { socketFactory: deps.whatsappSocketFactory } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`WhatsApp was not paired within ${timeoutSeconds} s; run the command again`)),
      timeoutSeconds * 1000,
    );
  });
  try {
    // Messages arriving during pairing are not for anyone yet: they are dropped.
    await Promise.race([
      channel.connect({ inbound: () => ({ accepted: false, reason: 'pairing' }), state: () => undefined }),
      timeout,
    ]);
    out(`✓ WhatsApp paired; the session is saved in ${deps.paths.whatsappAuth}\n`);
  } finally {
    clearTimeout(timer);
    await channel.disconnect();
  }
}

function listChannels(deps: ChannelsCommandDeps, out: (text: string) => void, json: boolean): void {
  const text = existsSync(deps.paths.config) ? readFileSync(deps.paths.config, 'utf8') : '';
  const env = { ...readEnvFile(deps.paths.envFile), ...(deps.env ?? process.env) };
  const rows = Object.entries(readChannelSections(text)).map(([name, section]) => {
    const variables = referencedVariables(section).map(({ key, variable }) => ({
      key,
      variable,
      set: env[variable] !== undefined,
      // `NAME=` in .env: set, to nothing.
      empty: env[variable] === '',
    }));
    const literalSecrets = Object.keys(section).filter(
      (key) => /token|key|secret/i.test(key) && !variables.some((v) => v.key === key),
    );
    const row: Record<string, unknown> = { name, variables, literalSecrets };
    if (name === 'whatsapp') {
      row.enabled = section.enabled === true;
      row.paired = existsSync(`${deps.paths.whatsappAuth}/creds.json`);
    }
    if (name === 'local') row.enabled = section.enabled !== false;
    return row;
  });
  if (json) return out(JSON.stringify(rows, null, 2) + '\n');
  if (rows.length === 0)
    return out(`No chat apps configured. Add one: omniclaw channels add ${platformNames.join('|')}\n`);
  for (const row of rows) {
    const parts: string[] = [];
    if ('enabled' in row) parts.push(row.enabled ? 'enabled' : 'disabled');
    if ('paired' in row)
      parts.push(row.paired ? 'paired' : 'not paired (run: omniclaw channels add whatsapp)');
    for (const v of row.variables as { key: string; variable: string; set: boolean; empty: boolean }[]) {
      const state = !v.set ? 'NOT SET' : v.empty ? 'SET BUT EMPTY (give it a value in .env)' : 'set';
      parts.push(`${v.key} from \${${v.variable}}: ${state}`);
    }
    for (const key of row.literalSecrets as string[])
      parts.push(`${key}: written in omniclaw.yaml (move it to .env)`);
    out(`${String(row.name).padEnd(9)} ${parts.join('; ')}\n`);
  }
}

function removeChannel(
  platform: Platform,
  deleteSecrets: boolean,
  deps: ChannelsCommandDeps,
  out: (text: string) => void,
): void {
  const text = existsSync(deps.paths.config) ? readFileSync(deps.paths.config, 'utf8') : '';
  const section = readChannelSections(text)[platform.name];
  const { text: updated, removed } = removeChannelSection(text, platform.name);
  if (!removed)
    throw new Error(`${platform.name} is not configured in ${deps.paths.config}; nothing to remove`);
  writeFileSync(deps.paths.config, updated);
  out(`✓ channels.${platform.name} removed from ${deps.paths.config}\n`);
  const orphans = readRouteChats(updated).filter((chat) => platform.ownsChat(chat));
  if (orphans.length) {
    out(
      `! ${orphans.length === 1 ? '1 route still points' : `${orphans.length} routes still point`} at ` +
        `${platform.name} (${orphans.join(', ')}): those chats get no answers. Remove ` +
        `${orphans.length === 1 ? 'it' : 'them'} under routes: in ${deps.paths.config}, or add ${platform.name} again.\n`,
    );
  }
  if (!deleteSecrets) return;
  const variables = [...new Set(referencedVariables(section ?? {}).map((v) => v.variable))];
  if (variables.length) {
    writeEnvKeys(deps.paths.envFile, Object.fromEntries(variables.map((v) => [v, undefined])));
    out(`✓ ${variables.join(', ')} deleted from ${deps.paths.envFile}\n`);
  }
  if (platform.name === 'whatsapp' && existsSync(deps.paths.whatsappAuth)) {
    rmSync(deps.paths.whatsappAuth, { recursive: true, force: true });
    out('✓ WhatsApp pairing deleted (also remove "OmniClaw" under Linked devices on your phone)\n');
  }
}
