/**
 * The runner protocol: JSON lines over the sandboxed process's stdio.
 *
 * Host and runner both import this one module, so the two sides cannot drift. Every line
 * is one JSON object with a `type`. Lines are bounded (MAX_LINE_BYTES); an oversized or
 * invalid line fails that run cleanly and never the host.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;
/** Largest accepted line in either direction. Replies and tool results fit well inside it. */
export const MAX_LINE_BYTES = 1024 * 1024;

export const runtimeKinds = ['claude', 'openai', 'codex', 'opencode'] as const;
export type RuntimeKind = (typeof runtimeKinds)[number];

/** Where the runner reaches a model. `token` is a per-run gateway token, never a real credential. */
export const modelEndpointSchema = z.object({
  baseUrl: z.string(),
  token: z.string(),
});
export type ModelEndpoint = z.infer<typeof modelEndpointSchema>;

export const mcpServerSpecSchema = z.union([
  z.object({
    type: z.literal('stdio'),
    command: z.string(),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
  }),
  z.object({
    type: z.literal('http'),
    url: z.string(),
    headers: z.record(z.string(), z.string()).default({}),
  }),
]);
export type McpServerSpec = z.infer<typeof mcpServerSpecSchema>;

/** Paths as the runner sees them inside the sandbox. */
export const workspaceSchema = z.object({
  agentDir: z.string(),
  globalDir: z.string().optional(),
  serverDir: z.string().optional(),
  extraDirs: z.array(z.string()).default([]),
  /** Per-agent engine state (sessions, transcripts); read-write, separate from agentDir. */
  stateDir: z.string(),
  /** Files the chats sent to the agent; read-only, written by the host. */
  inboxDir: z.string().optional(),
});
export type Workspace = z.infer<typeof workspaceSchema>;

export const toolDefinitionSchema = z.object({
  name: z.string(),
  description: z.string(),
  /** JSON Schema of the arguments. */
  inputSchema: z.record(z.string(), z.unknown()),
});
export type ToolDefinition = z.infer<typeof toolDefinitionSchema>;

// ---------------------------------------------------------------- host → runner

export const startCommandSchema = z.object({
  type: z.literal('start'),
  v: z.literal(PROTOCOL_VERSION),
  runId: z.string(),
  /** Identifies the first input; `done` echoes it. */
  turnId: z.string(),
  agent: z.object({ id: z.string(), name: z.string(), main: z.boolean() }),
  runtime: z.enum(runtimeKinds),
  model: z.string(),
  prompt: z.string(),
  /** Resume this engine session when present. */
  sessionId: z.string().optional(),
  workspace: workspaceSchema,
  endpoints: z.object({ anthropic: modelEndpointSchema.optional(), openai: modelEndpointSchema.optional() }),
  /** The built-in agent tools (MCP server `omniclaw`); calls come back as `tool_call`. */
  tools: z.array(toolDefinitionSchema).default([]),
  /** The agent's own MCP servers (plugins). */
  mcpServers: z.record(z.string(), mcpServerSpecSchema).default({}),
  systemPrompt: z.string().optional(),
  maxTurns: z.number().int().positive().optional(),
  /** Web proxy for the engine's tools (HTTP CONNECT through the gateway), if the agent may browse. */
  httpProxy: z.string().optional(),
});
export type StartCommand = z.infer<typeof startCommandSchema>;

export const messageCommandSchema = z.object({
  type: z.literal('message'),
  turnId: z.string(),
  text: z.string(),
});
export type MessageCommand = z.infer<typeof messageCommandSchema>;

export const toolResultCommandSchema = z.object({
  type: z.literal('tool_result'),
  callId: z.string(),
  ok: z.boolean(),
  /** Text the agent sees: the result on success, the error message on failure. */
  content: z.string(),
});
export type ToolResultCommand = z.infer<typeof toolResultCommandSchema>;

export const stopCommandSchema = z.object({ type: z.literal('stop'), reason: z.string().optional() });
export type StopCommand = z.infer<typeof stopCommandSchema>;

export const hostCommandSchema = z.discriminatedUnion('type', [
  startCommandSchema,
  messageCommandSchema,
  toolResultCommandSchema,
  stopCommandSchema,
]);
export type HostCommand = z.infer<typeof hostCommandSchema>;

// ---------------------------------------------------------------- runner → host

export const usageSchema = z.object({
  inputTokens: z.number().nonnegative().default(0),
  outputTokens: z.number().nonnegative().default(0),
  cacheReadTokens: z.number().nonnegative().default(0),
  cacheWriteTokens: z.number().nonnegative().default(0),
  costUsd: z.number().nonnegative().optional(),
});
export type Usage = z.infer<typeof usageSchema>;

export const runnerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), v: z.literal(PROTOCOL_VERSION), runtime: z.enum(runtimeKinds) }),
  z.object({
    type: z.literal('progress'),
    turnId: z.string(),
    kind: z.enum(['text', 'tool']),
    text: z.string(),
  }),
  /**
   * The model's answer as it streams (openai and claude runtimes): `text` is appended to what the turn
   * streamed since the last `reset: true` (a new model call or a retried one). A preview for
   * streamed replies: the `progress` or `reply` that follows is authoritative.
   */
  z.object({
    type: z.literal('delta'),
    turnId: z.string(),
    text: z.string(),
    reset: z.literal(true).optional(),
  }),
  z.object({ type: z.literal('reply'), turnId: z.string(), text: z.string() }),
  z.object({
    type: z.literal('tool_call'),
    callId: z.string(),
    turnId: z.string().optional(),
    name: z.string(),
    args: z.unknown(),
  }),
  z.object({ type: z.literal('session'), sessionId: z.string() }),
  z.object({ type: z.literal('done'), turnId: z.string(), usage: usageSchema.optional() }),
  z.object({
    type: z.literal('error'),
    turnId: z.string().optional(),
    message: z.string(),
    /** A fatal error ends the run; the host may retry it. */
    fatal: z.boolean().default(true),
    /** The stored session could not be resumed; the host forgets it and retries fresh. */
    sessionInvalid: z.boolean().optional(),
  }),
]);
export type RunnerEvent = z.infer<typeof runnerEventSchema>;
export type RunnerEventOf<T extends RunnerEvent['type']> = Extract<RunnerEvent, { type: T }>;

// ---------------------------------------------------------------- line codec

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export function encodeLine(value: HostCommand | RunnerEvent): string {
  const line = JSON.stringify(value);
  if (Buffer.byteLength(line) > MAX_LINE_BYTES) {
    throw new ProtocolError(`protocol line of ${Buffer.byteLength(line)} bytes exceeds ${MAX_LINE_BYTES}`);
  }
  return line + '\n';
}

/** One line against a schema; `notJson` words the error for a line that is not JSON at all. */
export function parseWith<T>(
  schema: z.ZodType<T>,
  line: string,
  side: string,
  notJson: (line: string) => string = (l) => `${side} sent a line that is not JSON: ${l.slice(0, 120)}`,
): T {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new ProtocolError(notJson(line));
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProtocolError(
      `${side} sent an invalid message: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

export const parseRunnerEvent = (line: string): RunnerEvent => parseWith(runnerEventSchema, line, 'runner');
export const parseHostCommand = (line: string): HostCommand => parseWith(hostCommandSchema, line, 'host');
