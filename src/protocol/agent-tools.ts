/**
 * The built-in agent tools: names, argument schemas and descriptions, shared by the host
 * (which validates and executes every call) and the runner (which exposes them to the
 * engine as the MCP server `omniclaw`, so Claude sees `mcp__omniclaw__send_message`).
 *
 * Names and arguments stay compatible with the reference design, so memory files written
 * for it keep working. Every string and array is bounded, and every value that could one
 * day become part of a path (topic, task id, agent id, folder, file) has a strict pattern
 * now, before any handler exists: a path built from an unchecked agent value is how the
 * reference systems leaked files (`read_context("../../..")`).
 */
import { z } from 'zod';
import { idSchema, relativePathSchema } from './ids.js';
import type { ToolDefinition } from './runner-protocol.js';

/** The MCP server name of the built-in tools; an agent's own servers may not use it. */
export const AGENT_TOOLS_SERVER = 'omniclaw';

/** Largest message an agent may send in one call (characters). Far below the protocol's line limit. */
export const MAX_MESSAGE_CHARS = 32 * 1024;
/** Largest free-text request (task prompt, delegation, context request). */
export const MAX_REQUEST_CHARS = 32 * 1024;
const MAX_SHORT_CHARS = 200;
const MAX_LIST_ITEMS = 50;

const text = (max: number) => z.string().min(1, 'must not be empty').max(max);
const short = () => text(MAX_SHORT_CHARS);

/** Chat ids: local:…, tg:…, dc:…, slack:…, WhatsApp JIDs. Never a slash, never `..`. */
export const chatIdSchema = idSchema('chat');

/** Platform message ids (Telegram numbers, Discord snowflakes, Slack timestamps, WhatsApp hex). */
export const messageIdSchema = idSchema('message');

/** Same rule as agent ids in omniclaw.yaml: they become folder names and container labels. */
export const agentIdArgSchema = idSchema('agent');

export const taskIdSchema = idSchema('task');

/** Topics become file names (`context/<topic>.md`); the rule lives in ids.ts. */
export const topicSchema = idSchema('topic');

/** A new agent's folder is named after its id, so the agent id rule (with its reserved names) applies. */
const folderSchema = idSchema('agent');

/** A path relative to the agent folder: no absolute paths, no `.`/`..` segments, plain characters. */
export const relativeFileSchema = relativePathSchema;

const fileList = () => z.array(relativeFileSchema).max(MAX_LIST_ITEMS);
const noArgs = () => z.strictObject({});

const scheduleType = z.enum(['cron', 'interval', 'once']);
const scheduleValue = short().describe(
  'cron: "0 9 * * *" (local time) | interval: milliseconds like "300000" | once: local time like "2026-02-01T15:30:00" (no Z)',
);

/** Argument schemas by tool name. Objects are strict: an unknown argument is an error, not ignored. */
export const agentToolArgs = {
  send_message: z.strictObject({
    text: text(MAX_MESSAGE_CHARS).describe('The message text to send'),
    sender: short()
      .optional()
      .describe('Your role or identity name (e.g. "Researcher"), shown where the platform allows'),
    target_jid: chatIdSchema
      .optional()
      .describe('Send to another chat (see list_agents). Defaults to the current chat.'),
  }),
  send_file: z.strictObject({
    path: relativeFileSchema.describe(
      'The file, relative to your folder (/workspace/agent), e.g. "out/chart.png"',
    ),
    caption: text(MAX_MESSAGE_CHARS).optional().describe('Text to send with the file'),
    target_jid: chatIdSchema
      .optional()
      .describe('Send to another chat (see list_agents). Defaults to the current chat.'),
  }),
  react_to_message: z.strictObject({
    message_id: messageIdSchema.describe('The id of a message in this chat'),
    emoji: text(64).describe('The emoji to react with, e.g. "👍"'),
    remove: z.boolean().optional().describe('Remove the reaction instead of adding it'),
    target_jid: chatIdSchema.optional().describe('The chat of the message. Defaults to the current chat.'),
  }),
  format_mention: z.strictObject({
    user_name: short().describe('The name (or platform id) of the person to mention'),
  }),
  schedule_task: z.strictObject({
    prompt: text(MAX_REQUEST_CHARS).describe('What the agent should do when the task runs'),
    schedule_type: scheduleType.describe('cron = at set times, interval = every N ms, once = at one time'),
    schedule_value: scheduleValue,
    context_mode: z
      .enum(['group', 'isolated'])
      .default('group')
      .describe(
        'group = with chat history and memory; isolated = fresh session (put all context in the prompt)',
      ),
    target_group_jid: chatIdSchema.optional().describe('(Main agent only) the chat to schedule for'),
  }),
  list_tasks: noArgs(),
  pause_task: z.strictObject({ task_id: taskIdSchema.describe('The task id to pause') }),
  resume_task: z.strictObject({ task_id: taskIdSchema.describe('The task id to resume') }),
  cancel_task: z.strictObject({ task_id: taskIdSchema.describe('The task id to cancel') }),
  update_task: z.strictObject({
    task_id: taskIdSchema.describe('The task id to change'),
    prompt: text(MAX_REQUEST_CHARS).optional(),
    schedule_type: scheduleType.optional(),
    schedule_value: scheduleValue.optional(),
  }),
  configure_heartbeat: z.strictObject({
    enabled: z.boolean().describe('Turn the heartbeat on or off'),
    interval: short()
      .optional()
      .describe(
        'Milliseconds for the interval type, or a cron expression for the cron type (default "1800000")',
      ),
    schedule_type: z.enum(['cron', 'interval']).optional().describe('Type of schedule (default "interval")'),
    target_group_jid: chatIdSchema
      .optional()
      .describe('(Main agent only) the chat whose heartbeat to configure'),
  }),
  register_group: z.strictObject({
    jid: chatIdSchema.describe('The chat id, e.g. "120363336345536173@g.us" or "dc:123456"'),
    name: short().describe('Display name'),
    folder: folderSchema.describe('Folder name: lower case with hyphens, e.g. "family-chat"'),
    trigger: text(100).optional().describe('Trigger word, e.g. "@Andy"'),
    requires_trigger: z.boolean().optional().describe('Answer only messages that carry the trigger'),
    discord_guild_id: z
      .string()
      .regex(/^[0-9]{1,32}$/, 'a Discord guild id is digits')
      .optional(),
    description: text(2000).optional().describe('What this agent does'),
  }),
  list_agents: z.strictObject({
    include_self: z.boolean().optional().describe('Include yourself in the list (default true)'),
  }),
  share_request: z.strictObject({
    description: text(MAX_REQUEST_CHARS).describe('What context or information you need and why'),
    target_agent: agentIdArgSchema
      .optional()
      .describe('Agent id to ask (see list_agents); default the main agent'),
    scope: z.enum(['channel', 'server', 'auto']).optional().describe('Where shared context should go'),
    files: fileList().optional().describe('Files to share, relative to your folder'),
    request_files: fileList().optional().describe("Files to request, relative to the other agent's folder"),
  }),
  delegate_task: z.strictObject({
    description: text(MAX_REQUEST_CHARS).describe('What needs to be done'),
    target_agent: agentIdArgSchema.optional().describe('Agent id to delegate to; default the main agent'),
    callback_agent_id: agentIdArgSchema.optional().describe('Agent id to notify when done (default you)'),
    files: fileList().optional().describe('Files to include, relative to your folder'),
    notify_chat: z
      .boolean()
      .optional()
      .describe('Also post the result to your chat for the people there to see (default false)'),
  }),
  request_context: z.strictObject({
    description: text(MAX_REQUEST_CHARS).describe('What context you need and why'),
    requested_topics: z.array(topicSchema).max(MAX_LIST_ITEMS).optional().describe('Topic names to request'),
  }),
  read_context: z.strictObject({
    topic: topicSchema.describe('The topic to read, e.g. "project-overview" (see list_context_topics)'),
  }),
  list_context_topics: noArgs(),
} as const;

export type AgentToolName = keyof typeof agentToolArgs;
export type AgentToolArgs<N extends AgentToolName> = z.infer<(typeof agentToolArgs)[N]>;
export const agentToolNames = Object.keys(agentToolArgs) as AgentToolName[];

const descriptions: Record<AgentToolName, string> = {
  send_message:
    'Send a message to the chat right away, while you keep working: progress updates, several messages, or the ' +
    'result of a scheduled task (whose final output is not sent). Returns only after the platform accepted the ' +
    'message, or an error saying why it failed.',
  send_file:
    'Send a file from your folder (/workspace/agent) to the chat, with an optional caption. Returns only after the ' +
    'platform accepted it, or an error saying why not (too big for the platform, not a regular file, outside your folder).',
  react_to_message: 'Add (or remove) an emoji reaction on a message in this chat.',
  format_mention: 'Get the text that mentions a person on this chat platform, to put inside a message.',
  schedule_task:
    'Schedule a recurring or one-time task that runs as a full agent turn. All times are in the local time zone.',
  list_tasks: 'List scheduled tasks (the main agent sees all, other agents their own).',
  pause_task: 'Pause a scheduled task until it is resumed.',
  resume_task: 'Resume a paused task.',
  cancel_task: 'Cancel and delete a scheduled task.',
  update_task: 'Change the prompt or schedule of a task.',
  configure_heartbeat:
    'Turn the recurring heartbeat on or off. What it does is read from the "## Heartbeat" section of your CLAUDE.md.',
  register_group: 'Register a chat so an agent answers there (main agent only).',
  list_agents: 'List the agents of this OmniClaw instance, to find who to message, ask or delegate to.',
  share_request:
    'Copy files between you and another agent (default the main agent): `files` from your folder land in theirs, ' +
    '`request_files` from theirs land in yours, as shared/<source agent>/<name>. Pairs not allowed in config wait ' +
    'for the operator to approve on the main chat; the outcome comes to you as a message.',
  delegate_task:
    'Hand a task to another agent (default the main agent). It runs apart from its chats; its answer comes back to ' +
    'you as a message. Pairs not allowed in config wait for the operator to approve on the main chat.',
  request_context: 'Ask the operator or main agent for context that has not been shared with you yet.',
  read_context: 'Read shared context by topic (see list_context_topics).',
  list_context_topics: 'List the context topics shared with you.',
};

/** A JSON Schema for `start.tools` and MCP `inputSchema`: draft-07, input shape (defaults optional). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, {
    target: 'draft-07',
    io: 'input',
  }) as Record<string, unknown>;
  return json;
}

/** The definitions the host puts in `start.tools`; the runner serves them as MCP server `omniclaw`. */
export const agentToolDefinitions: ToolDefinition[] = agentToolNames.map((name) => ({
  name,
  description: descriptions[name],
  inputSchema: jsonSchemaOf(agentToolArgs[name]),
}));

export const isAgentToolName = (name: string): name is AgentToolName => Object.hasOwn(agentToolArgs, name);
