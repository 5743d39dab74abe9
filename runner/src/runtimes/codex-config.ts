/**
 * The Codex CLI's config.toml for one agent, written to CODEX_HOME in the agent's state
 * folder before every turn (so memory edits and a new gateway address apply). The model
 * provider points at the endpoint the host gives; the token stays in an env var named by
 * `env_key`. Approvals and Codex's own sandbox are off: the OmniClaw sandbox is the
 * boundary. Update checks, analytics, feedback, telemetry and web search are off, so the
 * only traffic is to the provider.
 */
import { stringify } from 'smol-toml';
import { AGENT_TOOLS_SERVER } from '../../../src/protocol/agent-tools.js';
import type { McpServerSpec } from '../../../src/protocol/runner-protocol.js';

export const CODEX_TOKEN_ENV = 'OMNICLAW_MODEL_TOKEN';
export const CODEX_PROVIDER_ID = 'omniclaw';

export interface CodexConfigInput {
  model: string;
  /** API root, e.g. http://127.0.0.1:3128/openai/v1 (Codex appends /responses). */
  baseUrl: string;
  /** The stdio MCP server for the built-in agent tools. */
  omniclawMcp: { command: string; args: string[] };
  /** The agent's own MCP servers (plugins); `omniclaw` is reserved and skipped. */
  pluginMcpServers: Record<string, McpServerSpec>;
  developerInstructions: string;
  /** Retries of a failed request / of a dropped stream (Codex's own backoff). */
  requestMaxRetries: number;
  streamMaxRetries: number;
  /** A stream with no event for this long counts as failed. */
  streamIdleTimeoutMs: number;
  /** How long one agent tool call may wait for the host. */
  toolTimeoutSec: number;
}

export function codexConfigToml(input: CodexConfigInput): string {
  const mcpServers: Record<string, Record<string, unknown>> = {
    [AGENT_TOOLS_SERVER]: {
      command: input.omniclawMcp.command,
      args: input.omniclawMcp.args,
      startup_timeout_sec: 20,
      tool_timeout_sec: Math.trunc(input.toolTimeoutSec),
      required: true,
    },
  };
  for (const [name, spec] of Object.entries(input.pluginMcpServers)) {
    if (name === AGENT_TOOLS_SERVER) continue;
    // Codex sends its first request without waiting for servers that are not required, and
    // every turn is a new Codex process: a plugin slower than ~1 s would never be offered.
    // Required, a broken plugin fails the turn with an error that names it.
    const common = { required: true, startup_timeout_sec: 30 };
    mcpServers[name] =
      spec.type === 'stdio'
        ? {
            ...common,
            command: spec.command,
            args: spec.args,
            ...(Object.keys(spec.env).length ? { env: spec.env } : {}),
          }
        : {
            ...common,
            url: spec.url,
            ...(Object.keys(spec.headers).length ? { http_headers: spec.headers } : {}),
          };
  }
  const config = {
    model: input.model,
    model_provider: CODEX_PROVIDER_ID,
    approval_policy: 'never',
    sandbox_mode: 'danger-full-access',
    check_for_update_on_startup: false,
    web_search: 'disabled',
    // Memory comes through developer_instructions; Codex must not load AGENTS.md a second time.
    project_doc_max_bytes: 0,
    developer_instructions: input.developerInstructions,
    // Features that fetch from the internet (plugin marketplace via git, apps, remote
    // plugins) or add tools we do not want; observed with strace on 0.169.
    features: {
      plugins: false,
      remote_plugin: false,
      plugin_sharing: false,
      apps: false,
      tool_suggest: false,
      skill_mcp_dependency_install: false,
      image_generation: false,
      browser_use: false,
      computer_use: false,
      goals: false,
      multi_agent: false,
      // The shell snapshot runs a login shell at every start; commands run fine without it.
      shell_snapshot: false,
    },
    analytics: { enabled: false },
    feedback: { enabled: false },
    otel: { exporter: 'none', metrics_exporter: 'none', trace_exporter: 'none', log_user_prompt: false },
    history: { persistence: 'none' },
    shell_environment_policy: { exclude: [CODEX_TOKEN_ENV, 'OMNICLAW_*'] },
    model_providers: {
      [CODEX_PROVIDER_ID]: {
        name: 'OmniClaw gateway',
        base_url: input.baseUrl.replace(/\/+$/, ''),
        wire_api: 'responses',
        env_key: CODEX_TOKEN_ENV,
        request_max_retries: Math.trunc(input.requestMaxRetries),
        stream_max_retries: Math.trunc(input.streamMaxRetries),
        stream_idle_timeout_ms: Math.trunc(input.streamIdleTimeoutMs),
      },
    },
    mcp_servers: mcpServers,
  };
  return `# Written by the OmniClaw runner before every turn; edits are overwritten.\n${stringify(config)}\n`;
}
