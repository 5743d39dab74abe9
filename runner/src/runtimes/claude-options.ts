/**
 * What the Claude engine is started with, derived from the `start` command: where it works,
 * which memory it reads, where it keeps sessions, which endpoint and token it uses. Pure, so
 * the choices are tested as a table; claude.ts only adds the live parts (input, MCP, hooks).
 */
import { join } from 'node:path';
import type { McpServerConfig, Options } from '@anthropic-ai/claude-agent-sdk';
import type { McpServerSpec, StartCommand } from '../../../src/protocol/runner-protocol.js';
import { AGENT_TOOLS_SERVER } from '../../../src/protocol/agent-tools.js';

/** Inherited variables that could carry a real credential: the engine gets the run token only. */
const CREDENTIAL_VARS = [
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CODE_OAUTH_TOKEN',
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
];

/**
 * Engine limits unless the agent's `env:` sets its own. The engine's own defaults (a 10-minute
 * request time-out, ten retries) leave a chat waiting many minutes on a hung model API; these
 * end such a run in about 45 s (two attempts of 20 s each and a short backoff), so the chat is
 * told within a minute. 20 s is the wait for the response to *start*: a long answer streams
 * for as long as it takes.
 */
export const ENGINE_LIMIT_DEFAULTS: Readonly<Record<string, string>> = {
  API_TIMEOUT_MS: '20000',
  CLAUDE_CODE_MAX_RETRIES: '1',
};

export interface EnginePaths {
  home: string;
  configDir: string;
}

/** HOME and CLAUDE_CONFIG_DIR live in the agent's state dir: sessions persist per agent, the real home is never touched. */
export function enginePaths(start: StartCommand): EnginePaths {
  return {
    home: join(start.workspace.stateDir, 'home'),
    configDir: join(start.workspace.stateDir, 'claude'),
  };
}

export function engineEnv(
  start: StartCommand,
  inherited: NodeJS.ProcessEnv,
): Record<string, string | undefined> {
  const endpoint = start.endpoints.anthropic;
  if (!endpoint) {
    throw new Error(
      `agent "${start.agent.name}" uses the claude runtime but the host sent no anthropic endpoint`,
    );
  }
  const env: Record<string, string | undefined> = { ...ENGINE_LIMIT_DEFAULTS, ...inherited };
  for (const name of CREDENTIAL_VARS) delete env[name];
  const paths = enginePaths(start);
  Object.assign(env, {
    HOME: paths.home,
    CLAUDE_CONFIG_DIR: paths.configDir,
    ANTHROPIC_BASE_URL: endpoint.baseUrl,
    ANTHROPIC_API_KEY: endpoint.token,
    // The sandbox is the security boundary; the engine refuses to bypass permissions as root without this.
    IS_SANDBOX: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // Load CLAUDE.md from additional directories too: that is how global and server memory arrive.
    CLAUDE_CODE_ADDITIONAL_DIRECTORIES_CLAUDE_MD: '1',
  });
  if (start.httpProxy) {
    env.HTTPS_PROXY = env.HTTP_PROXY = env.https_proxy = env.http_proxy = start.httpProxy;
    // The model endpoint is on loopback (the gateway forwarder); it must not go through the proxy.
    env.NO_PROXY = env.no_proxy = '127.0.0.1,localhost,::1';
  }
  return env;
}

/** Global → server memory as additional directories (the agent folder is the cwd), then extra mounts. */
export function additionalDirectories(start: StartCommand): string[] {
  const { globalDir, serverDir, extraDirs } = start.workspace;
  return [globalDir, serverDir, ...extraDirs].filter((dir): dir is string => Boolean(dir));
}

export function pluginMcpServers(
  servers: Record<string, McpServerSpec>,
  log: (message: string, fields?: Record<string, unknown>) => void,
): Record<string, McpServerConfig> {
  const result: Record<string, McpServerConfig> = {};
  for (const [name, spec] of Object.entries(servers)) {
    if (name === AGENT_TOOLS_SERVER) {
      log('plugin MCP server ignored: the name is reserved for the built-in tools', { server: name });
      continue;
    }
    result[name] =
      spec.type === 'stdio'
        ? { type: 'stdio', command: spec.command, args: spec.args, env: spec.env }
        : { type: 'http', url: spec.url, headers: spec.headers };
  }
  return result;
}

/**
 * Engine tools that schedule work inside the engine process. OmniClaw schedules through its
 * own persisted scheduler (`schedule_task`); engine timers would die with the run, and fire
 * turns that no chat asked for.
 */
export const DISALLOWED_ENGINE_TOOLS = ['CronCreate', 'CronDelete', 'CronList', 'ScheduleWakeup'];

/** The static part of the engine options; claude.ts adds input, MCP instance and hooks. */
export function baseOptions(start: StartCommand, inherited: NodeJS.ProcessEnv): Options {
  return {
    cwd: start.workspace.agentDir,
    model: start.model,
    resume: start.sessionId,
    additionalDirectories: additionalDirectories(start),
    disallowedTools: DISALLOWED_ENGINE_TOOLS,
    permissionMode: 'bypassPermissions',
    allowDangerouslySkipPermissions: true,
    settingSources: ['user', 'project', 'local'],
    env: engineEnv(start, inherited),
    maxTurns: start.maxTurns,
    // Text deltas for replies that stream (the host shows them only where `stream` is on).
    includePartialMessages: true,
    systemPrompt: start.systemPrompt
      ? { type: 'preset', preset: 'claude_code', append: start.systemPrompt }
      : { type: 'preset', preset: 'claude_code' },
  };
}
