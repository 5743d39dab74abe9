/**
 * What the OpenCode engine (`opencode serve`) is started with, for one agent: its config
 * (OPENCODE_CONFIG_CONTENT) and its environment. Pure, no I/O.
 *
 * The model provider is the gateway: `anthropic/<model>` goes to the Anthropic Messages route
 * (@ai-sdk/anthropic), `openai/<model>` to the OpenAI-compatible Chat Completions route
 * (@ai-sdk/openai-compatible, so Ollama, LM Studio, llama.cpp and vLLM work too). Both
 * provider packages are bundled in the engine; nothing is installed at run time.
 *
 * Everything that would reach the internet is off, so the model is the engine's only
 * traffic (observed with a DNS logger in a loopback-only network namespace on 1.18.33):
 * the models.dev catalogue fetch, autoupdate, sharing, default plugins, LSP downloads, the
 * embedded web UI, external skills, reading ~/.claude, and the npm install of
 * `@opencode-ai/plugin` into its config folder (see `configDirStub`).
 */
import { AGENT_TOOLS_SERVER } from '../../../src/protocol/agent-tools.js';
import type { OpencodeModel } from '../../../src/protocol/opencode-model.js';
import type { McpServerSpec, StartCommand } from '../../../src/protocol/runner-protocol.js';

/** The provider id OpenCode knows the gateway by; model ids are `omniclaw/<model>`. */
export const OPENCODE_PROVIDER_ID = 'omniclaw';

export interface OpencodeConfigInput {
  model: OpencodeModel;
  /** The gateway route's base URL as the host gave it (…/anthropic or …/openai). */
  baseUrl: string;
  token: string;
  /** The stdio MCP server for the built-in agent tools (the runner's bridge). */
  omniclawMcp: { command: string; args: string[] };
  pluginMcpServers: Record<string, McpServerSpec>;
  /** A model request with no answer for this long fails (OpenCode's provider timeout). */
  requestTimeoutMs: number;
  /** The agent may browse (a web proxy is set): keep OpenCode's webfetch tool. */
  web: boolean;
}

export function opencodeConfig(input: OpencodeConfigInput): Record<string, unknown> {
  const { route, model } = input.model;
  const base = input.baseUrl.replace(/\/+$/, '');
  const mcp: Record<string, unknown> = {
    [AGENT_TOOLS_SERVER]: {
      type: 'local',
      command: [input.omniclawMcp.command, ...input.omniclawMcp.args],
      enabled: true,
    },
  };
  for (const [name, spec] of Object.entries(input.pluginMcpServers)) {
    if (name === AGENT_TOOLS_SERVER) continue;
    mcp[name] =
      spec.type === 'stdio'
        ? { type: 'local', command: [spec.command, ...spec.args], environment: spec.env, enabled: true }
        : { type: 'remote', url: spec.url, headers: spec.headers, enabled: true };
  }
  const modelId = `${OPENCODE_PROVIDER_ID}/${model}`;
  return {
    $schema: 'https://opencode.ai/config.json',
    model: modelId,
    small_model: modelId,
    autoupdate: false,
    share: 'disabled',
    plugin: [],
    lsp: false,
    formatter: false,
    // No git snapshot of the agent folder before every step (undo is not offered in a chat).
    snapshot: false,
    // The OmniClaw sandbox is the boundary: nothing may wait for a person to approve.
    permission: {
      edit: 'allow',
      bash: 'allow',
      webfetch: input.web ? 'allow' : 'deny',
      external_directory: 'allow',
      doom_loop: 'allow',
    },
    ...(input.web ? {} : { tools: { webfetch: false, websearch: false } }),
    provider: {
      [OPENCODE_PROVIDER_ID]: {
        name: 'OmniClaw gateway',
        npm: route === 'anthropic' ? '@ai-sdk/anthropic' : '@ai-sdk/openai-compatible',
        options: {
          // @ai-sdk/anthropic appends /messages; the gateway's Anthropic route expects /v1/messages.
          baseURL: route === 'anthropic' ? `${base}/v1` : base,
          apiKey: input.token,
          timeout: Math.trunc(input.requestTimeoutMs),
        },
        models: {
          [model]: { name: model, tool_call: true, limit: { context: 200_000, output: 8_192 } },
        },
      },
    },
    mcp,
  };
}

/** Folders under the agent's state folder that OpenCode keeps (the database is in data/). */
export interface OpencodeHome {
  root: string;
  data: string;
  config: string;
  cache: string;
  state: string;
}

/** The engine's environment: its own home under the state folder, every outbound feature off. */
export function opencodeEnv(
  base: NodeJS.ProcessEnv,
  home: OpencodeHome,
  config: Record<string, unknown>,
  serverPassword: string,
): NodeJS.ProcessEnv {
  return {
    ...base,
    XDG_DATA_HOME: home.data,
    XDG_CONFIG_HOME: home.config,
    XDG_CACHE_HOME: home.cache,
    XDG_STATE_HOME: home.state,
    OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
    OPENCODE_SERVER_PASSWORD: serverPassword,
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_SHARE: '1',
    OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    OPENCODE_DISABLE_EMBEDDED_WEB_UI: '1',
    OPENCODE_DISABLE_EXTERNAL_SKILLS: '1',
    OPENCODE_DISABLE_PROJECT_CONFIG: '1',
    // Memory comes with every prompt (system); OpenCode must not read CLAUDE.md a second time.
    OPENCODE_DISABLE_CLAUDE_CODE: '1',
    OPENCODE_DISABLE_CHANNEL_DB: '1',
    // Nothing uses file-change events here; the watcher only costs start time and inotify.
    OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER: '1',
  };
}

/**
 * OpenCode runs `npm install @opencode-ai/plugin` in its config folder unless that folder
 * already has node_modules and a lock that lists the package. These files say so; no plugin
 * is used, so nothing else is needed.
 */
export const configDirStub: Readonly<Record<string, string>> = {
  'package.json': '{}\n',
  'package-lock.json': `${JSON.stringify({ packages: { '': { dependencies: { '@opencode-ai/plugin': '*' } } } })}\n`,
};

/** The identity and rules every prompt carries (with the memory, read fresh per turn). */
export function opencodeIdentity(init: StartCommand, cwd: string, readOnly: string[]): string {
  const ro = readOnly.length ? ` Read-only folders: ${readOnly.join(', ')}.` : '';
  return (
    `You are ${init.agent.name}, a personal assistant agent running in OmniClaw. Your folder is ${cwd}.${ro} ` +
    `The ${AGENT_TOOLS_SERVER} tools act on the chat and the assistant (send_message sends a message now). ` +
    'Your final message of each turn is sent to the chat as your reply.'
  );
}
