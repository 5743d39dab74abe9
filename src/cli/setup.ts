/**
 * `omniclaw setup`: the guided first run. Checks the machine (Node, the sandbox auto picks
 * and why), sets up a model and tests it with one real request, adds a chat app through
 * `channels add` and, for Telegram, routes the chat the person writes from to the main
 * agent, then offers the service. On a terminal it asks (@clack/prompts); every answer is
 * also a flag, for scripts. A step nobody asked for changes nothing, and every edit of
 * omniclaw.yaml goes through the yaml Document API (setup-config.ts) so hand edits stay.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { InstancePaths } from '../config/paths.js';
import { readEnvFile, writeEnvKeys } from '../config/env-file.js';
import { defaultConfigText, localModelServers, type ModelChoice } from '../config/init.js';
import { parseConfigText } from '../config/load.js';
import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import { createBackendChooser } from '../sandbox/choose.js';
import { isAlive } from '../transport/control-socket.js';
import { addChannel, platformOf, type AddOptions, type ChannelsCommandDeps } from './channels.js';
import { readChannelSections } from './channels-config.js';
import { platformNames } from './channels-platforms.js';
import { nodeCheck, sandboxChecks } from './doctor-checks.js';
import { installService, type ServiceDeps } from './service.js';
import { addRoute, mainAgentId, setModel, type ModelSetting } from './setup-config.js';
import { listOpenAIModels, testModel } from './setup-model.js';
import { waitForTelegramChat } from './setup-telegram.js';
import type { Prompts } from './setup-prompts.js';
import { offerImageBuild, type ImageBuildRequest } from './setup-image.js';
import type { ImageBuildResult } from '../sandbox/image.js';

export interface SetupDeps {
  paths: InstancePaths;
  logger?: Logger;
  /** Defaults to process.env (over the instance .env). */
  env?: Record<string, string | undefined>;
  out?: (text: string) => void;
  /** Ask for what flags leave open; defaults to stdin being a terminal (and no --yes). */
  interactive?: boolean;
  fetch?: typeof fetch;
  service?: ServiceDeps;
  /** The answers on a terminal; tests of the flags never reach it. */
  prompts?: Prompts;
  /** Builds the agent image (default: `omniclaw image build`'s builder, Dockerfile then offline). */
  buildImage?: (request: ImageBuildRequest) => Promise<ImageBuildResult>;
}

export interface SetupOptions {
  model?: string;
  anthropicKey?: string;
  claudeToken?: string;
  anthropicUrl?: string;
  openaiUrl?: string;
  openaiModel?: string;
  channel?: string;
  telegramToken?: string;
  telegramChat?: string;
  apiUrl?: string;
  wait: string;
  yes?: boolean;
  service: boolean;
  /** false with --no-image: never offer to build the agent image. */
  image: boolean;
}

/** What each step is given: the flags, the seams, the merged environment (read again after each write). */
interface Step {
  options: SetupOptions;
  deps: SetupDeps;
  env: () => Record<string, string | undefined>;
  out: (text: string) => void;
  prompts: Prompts | undefined;
}

const MODEL_KINDS = ['anthropic', 'claude-token', 'openai'] as const;
type ModelKind = (typeof MODEL_KINDS)[number];

export function registerSetup(program: Command, deps: SetupDeps): void {
  program
    .command('setup')
    .description('set OmniClaw up step by step: machine check, model, chat app, service')
    .option('--model <kind>', `the model: ${MODEL_KINDS.join(' | ')}`)
    .option('--anthropic-key <key>', 'Anthropic API key (sk-ant-…), saved in .env')
    .option('--claude-token <token>', 'Claude subscription token (from `claude setup-token`), saved in .env')
    .option('--anthropic-url <url>', 'Anthropic API URL (a proxy; tests)')
    .option('--openai-url <url>', 'OpenAI-compatible endpoint (Ollama: http://127.0.0.1:11434/v1)')
    .option('--openai-model <id>', 'the model to use there (default: the first it lists)')
    .option('--channel <name>', `add a chat app: ${platformNames.join(' | ')}`)
    .option('--telegram-token <token>', 'Telegram bot token (from @BotFather)')
    .option('--telegram-chat <id>', 'Telegram chat id to route to the main agent (skips the wait)')
    .option('--api-url <url>', 'the chat app’s API URL (self-hosted Bot API server; tests)')
    .option('--wait <seconds>', 'how long to wait for your first Telegram message', '300')
    .option('--yes', 'ask nothing: use the flags and defaults (installs the service unless --no-service)')
    .option('--no-service', 'do not offer to install the service')
    .option('--no-image', 'do not offer to build the agent image when Docker or Podman lacks it')
    .action((options: SetupOptions) => runSetup(options, deps));
}

export async function runSetup(options: SetupOptions, deps: SetupDeps): Promise<void> {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const interactive = options.yes !== true && (deps.interactive ?? process.stdin.isTTY === true);
  const prompts = interactive
    ? (deps.prompts ?? (await import('./setup-prompts.js')).clackPrompts)
    : undefined;
  const env = (): Record<string, string | undefined> => ({
    ...readEnvFile(deps.paths.envFile),
    ...(deps.env ?? process.env),
  });
  await prompts?.intro('OmniClaw setup');

  const step: Step = { options, deps, env, out, prompts };
  await checkMachine(step);
  await modelStep(step);
  await channelStep(step);

  const wantsService =
    options.service &&
    (prompts
      ? await prompts.confirm('Install OmniClaw as a service (runs at boot, restarts when it fails)?')
      : options.yes === true);
  if (wantsService) installService(deps.paths, {}, { ...deps.service, out });
  else out('To keep it running in the background: `omniclaw service install`.\n');
  const running = await isAlive(deps.paths.socket);
  if (running)
    out(
      'OmniClaw is running: restart it to use the changes (`omniclaw service restart`, or Ctrl-C and `omniclaw start`).\n',
    );
  // `chat` talks to the daemon: without the service (or one already running) nothing is.
  const next =
    wantsService || running
      ? 'Talk to it now: `omniclaw chat`.'
      : 'Start it with `omniclaw start` (it stays in the foreground; Ctrl-C stops it), then talk to it from another terminal: `omniclaw chat`.';
  if (prompts) await prompts.outro(next);
  else out(`${next}\n`);
}

async function checkMachine(step: Step): Promise<void> {
  const { deps, out } = step;
  const node = nodeCheck();
  out(`${node.status === 'ok' ? '✓' : '✗'} ${node.detail}${node.fix ? ` ${node.fix}` : ''}\n`);
  const config = readConfigLeniently(deps.paths, step.env());
  const chooser = createBackendChooser({ config, paths: deps.paths, logger: deps.logger ?? silentLogger() });
  const detection = await chooser.detection();
  for (const check of sandboxChecks(config, detection)) {
    const mark = check.status === 'ok' ? '✓' : check.status === 'warn' ? '·' : '✗';
    out(`${mark} ${check.detail}${check.fix && check.status === 'fail' ? ` ${check.fix}` : ''}\n`);
  }
  const lacking = detection.candidates.find((c) => c.missingImage);
  const built =
    lacking?.missingImage !== undefined &&
    (await offerImageBuild({
      engine: lacking.kind,
      tag: lacking.missingImage,
      ask: step.prompts,
      unasked: step.options.image && step.options.yes === true,
      refused: !step.options.image,
      build: deps.buildImage,
      out,
    }));
  // The candidates come in auto's order: the first that answers (or now has its image) is used.
  const chosen = detection.candidates.find((c) => c.available || (built && c === lacking))?.kind;
  if (chosen)
    out(`  Agents with sandbox: auto run in ${chosen}; set sandbox: per agent in omniclaw.yaml to choose.\n`);
}

/** The config for the machine check; a file that does not load yet (a variable unset) gives the defaults. */
function readConfigLeniently(paths: InstancePaths, env: Record<string, string | undefined>) {
  try {
    const text = existsSync(paths.config) ? readFileSync(paths.config, 'utf8') : '';
    return parseConfigText(text, paths.config, { env });
  } catch {
    return parseConfigText('', paths.config, { env });
  }
}

async function modelStep({ options, deps, env, out, prompts }: Step): Promise<void> {
  let kind = options.model as ModelKind | undefined;
  if (kind !== undefined && !MODEL_KINDS.includes(kind))
    throw new Error(`--model must be one of ${MODEL_KINDS.join(', ')}, not "${kind}"`);
  if (kind === undefined && options.anthropicKey) kind = 'anthropic';
  if (kind === undefined && options.claudeToken) kind = 'claude-token';
  if (kind === undefined && options.openaiUrl) kind = 'openai';
  if (kind === undefined && prompts) {
    const configured = existsSync(deps.paths.config);
    const answer = await prompts.select('Which model should answer?', [
      ...(configured ? [{ value: 'keep', label: 'Keep the model configured now' }] : []),
      { value: 'anthropic', label: 'Anthropic API key', hint: 'console.anthropic.com' },
      { value: 'claude-token', label: 'Claude subscription', hint: 'a token from `claude setup-token`' },
      { value: 'openai', label: 'OpenAI-compatible endpoint', hint: 'Ollama, LM Studio, vLLM, OpenAI' },
    ]);
    kind = answer === 'keep' ? undefined : (answer as ModelKind);
  }
  if (kind === undefined) return out('Model: unchanged.\n');

  let setting: ModelSetting;
  const secrets: Record<string, string> = {};
  if (kind === 'openai') {
    const fallbackUrl = localModelServers(env())[0]?.baseUrl ?? 'http://127.0.0.1:11434/v1';
    const baseUrl =
      options.openaiUrl ??
      (prompts ? await prompts.text('OpenAI-compatible endpoint URL', fallbackUrl) : undefined);
    if (!baseUrl)
      throw new Error('--model openai needs --openai-url <url> (Ollama: http://127.0.0.1:11434/v1)');
    const ids = await listOpenAIModels(baseUrl, deps.fetch);
    let model = options.openaiModel;
    if (model && !ids.includes(model))
      throw new Error(`The model server does not offer ${model}; it has ${ids.slice(0, 8).join(', ')}.`);
    model ??= prompts
      ? await prompts.select(
          `Which model? (${baseUrl} lists ${ids.length})`,
          ids.map((id) => ({ value: id, label: id })),
        )
      : ids[0]!;
    setting = { kind: 'openai', baseUrl: baseUrl.replace(/\/+$/, ''), model };
  } else {
    const apiKey = kind === 'anthropic';
    const envVar = apiKey ? 'ANTHROPIC_API_KEY' : 'CLAUDE_CODE_OAUTH_TOKEN';
    const flag = apiKey ? '--anthropic-key' : '--claude-token';
    const value =
      (apiKey ? options.anthropicKey : options.claudeToken) ??
      env()[envVar] ??
      (prompts
        ? await prompts.password(
            apiKey ? 'Anthropic API key (sk-ant-…)' : 'Claude token (run `claude setup-token`)',
          )
        : undefined);
    if (!value?.trim()) throw new Error(`--model ${kind} needs ${flag} (or ${envVar} in .env)`);
    if (/\s/.test(value.trim()))
      throw new Error(`The ${apiKey ? 'API key' : 'token'} must be one word with no spaces.`);
    secrets[envVar] = value.trim();
    setting = {
      kind: 'anthropic',
      credential: apiKey ? 'apiKey' : 'oauthToken',
      envVar,
      ...(options.anthropicUrl ? { baseUrl: options.anthropicUrl } : {}),
    };
  }
  const current = currentConfigText(deps.paths, setting);
  const updated = setModel(current.text, setting);
  // One real request with the new settings before anything is saved.
  const found = await testModel(updated, deps.paths.config, { ...env(), ...secrets }, deps.fetch);
  out(`✓ ${found}\n`);
  mkdirSync(deps.paths.home, { recursive: true, mode: 0o700 });
  if (Object.keys(secrets).length) {
    writeEnvKeys(deps.paths.envFile, secrets);
    out(`✓ ${Object.keys(secrets).join(', ')} saved in ${deps.paths.envFile} (mode 0600)\n`);
  }
  writeConfig(deps.paths, updated, current.fresh);
  out(`✓ The model is set in ${deps.paths.config}\n`);
}

async function channelStep({ options, deps, env, out, prompts }: Step): Promise<void> {
  let name = options.channel ?? (options.telegramToken || options.telegramChat ? 'telegram' : undefined);
  if (name === undefined && prompts) {
    const answer = await prompts.select('Connect a chat app?', [
      { value: 'none', label: 'Not now', hint: 'the terminal chat works without one' },
      ...platformNames.map((p) => ({ value: p, label: p })),
    ]);
    name = answer === 'none' ? undefined : answer;
  }
  if (name === undefined) return out('Chat apps: unchanged.\n');
  const platform = platformOf(name);
  const givenChat = options.telegramChat?.replace(/^tg:/, '');
  if (givenChat !== undefined && !/^-?\d+$/.test(givenChat))
    throw new Error('--telegram-chat is a number (a group’s starts with -100); nothing was changed');
  const before = existsSync(deps.paths.config) ? readFileSync(deps.paths.config, 'utf8') : '';
  // Telegram set up already and no new token: keep it, only the route is asked for.
  const keep =
    platform.name === 'telegram' && !options.telegramToken && !!readChannelSections(before).telegram;
  if (keep) out('✓ Telegram is configured already; its token is kept.\n');
  else {
    const channelDeps: ChannelsCommandDeps = {
      paths: deps.paths,
      logger: deps.logger ?? silentLogger(),
      interactive: prompts !== undefined,
      out,
      ...(deps.env ? { env: deps.env } : {}),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    };
    const addOptions: AddOptions = {
      ...(options.telegramToken ? { token: options.telegramToken } : {}),
      ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
      check: true,
      pair: true,
      pairTimeout: '180',
      quietNext: platform.name === 'telegram',
    };
    await addChannel(platform, addOptions, channelDeps, out);
  }
  if (platform.name !== 'telegram') return;

  const text = readFileSync(deps.paths.config, 'utf8');
  let chat: string;
  if (givenChat !== undefined) {
    chat = `tg:${givenChat}`;
  } else {
    const token = env().TELEGRAM_BOT_TOKEN;
    if (!token) throw new Error('TELEGRAM_BOT_TOKEN is not set after adding Telegram; run setup again.');
    const apiRoot = readChannelSections(text).telegram?.apiRoot;
    const seconds = Number(options.wait);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--wait must be a number of seconds');
    out(`Send any message to your bot now (waiting up to ${seconds} s)…\n`);
    const found = await waitForTelegramChat({
      apiUrl: options.apiUrl ?? (typeof apiRoot === 'string' ? apiRoot : 'https://api.telegram.org'),
      token,
      timeoutMs: seconds * 1000,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    out(`✓ Got a message from ${found.name} (${found.chat})\n`);
    chat = found.chat;
  }
  const agent = mainAgentId(text) ?? 'main';
  const route = addRoute(text, chat, agent);
  if (route.added) {
    writeConfig(deps.paths, route.text, false);
    out(`✓ ${chat} is routed to the agent ${agent}\n`);
  } else out(`✓ ${chat} was routed already; left as it is\n`);
}

function currentConfigText(paths: InstancePaths, setting: ModelSetting) {
  if (existsSync(paths.config)) return { text: readFileSync(paths.config, 'utf8'), fresh: false };
  // Before the first start: the same commented template `start` writes, for this model.
  const choice: ModelChoice =
    setting.kind === 'openai'
      ? {
          kind: 'local',
          name: '',
          note: 'Chosen in `omniclaw setup`.',
          baseUrl: setting.baseUrl,
          model: setting.model,
        }
      : {
          kind: 'anthropic',
          via: setting.credential === 'apiKey' ? 'ANTHROPIC_API_KEY' : 'CLAUDE_CODE_OAUTH_TOKEN',
        };
  return { text: defaultConfigText(choice), fresh: true };
}

function writeConfig(paths: InstancePaths, text: string, fresh: boolean): void {
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  writeFileSync(paths.config, text, fresh ? { mode: 0o600 } : {});
}
