/**
 * The omniclaw.yaml schema. Every section is optional and every key has a default, so a
 * file holding only `http: { port: 7080 }` is a valid config. Objects are strict: an
 * unknown key is an error (a typo should never be silently ignored).
 */
import { z } from 'zod';
import { idSchema } from '../protocol/ids.js';
import { runtimeKinds, mcpServerSpecSchema } from '../protocol/runner-protocol.js';
import { machineSchema, runsOnSchema } from './machines.js';
import { systemTimezone } from './system-timezone.js';

const sandboxChoices = ['auto', 'docker', 'podman', 'apple-container', 'bwrap', 'ssh', 'none'] as const;

/** Ids become folder names and container labels: keep them boring (security lesson #78; rule in protocol/ids.ts). */
export const agentIdSchema = idSchema('agent');

/** Not root (0) and not the overflow id: an unprivileged host uid/gid nobody else should use. */
/** The default host uid/gid of sandboxes started by a root host (config `sandbox.uid`/`gid`). */
export const DEFAULT_SANDBOX_ID = 61000;
const sandboxId = z.number().int().min(1).max(65533).default(DEFAULT_SANDBOX_ID);

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const DEFAULT_DISK_MB = 1024;

export const limitsSchema = z.strictObject({
  memoryMb: z.number().int().min(64).default(1024),
  cpus: z.number().positive().default(1),
  pids: z.number().int().min(16).default(256),
  /** Wall-clock limit of one run, ms. */
  timeoutMs: z
    .number()
    .int()
    .positive()
    .default(30 * 60_000),
  /**
   * Size of the agent's writable folders (its folder, engine state, and the shared folders it
   * may write), MB. Checked while a run is live; a run past it is stopped.
   */
  diskMb: z.number().int().min(1).default(DEFAULT_DISK_MB),
});
export type LimitsConfig = z.infer<typeof limitsSchema>;

const mountSchema = z.strictObject({
  hostPath: z.string(),
  /** Relative name under /workspace/extra/; defaults to the last path component. */
  containerPath: z.string().optional(),
  readonly: z.boolean().default(true),
});

export const agentSchema = z.strictObject({
  id: agentIdSchema,
  name: z.string().min(1).optional(),
  main: z.boolean().default(false),
  runtime: z.enum(runtimeKinds).default('claude'),
  model: z.string().optional(),
  sandbox: z.enum(sandboxChoices).default('auto'),
  /** Trigger word; defaults to `@<name>`. */
  trigger: z.string().optional(),
  mounts: z.array(mountSchema).default([]),
  limits: limitsSchema.partial().default({}),
  network: z.strictObject({ allowHosts: z.array(z.string()).default([]) }).default({ allowHosts: [] }),
  mcpServers: z.record(z.string(), mcpServerSpecSchema).default({}),
  budget: z
    .strictObject({
      dailyTokens: z.number().int().positive().optional(),
      dailyUsd: z.number().positive().optional(),
    })
    .optional(),
  /** Start a fresh engine session after this long (ms). */
  sessionMaxAgeMs: z
    .number()
    .int()
    .positive()
    .default(4 * 3600_000),
  /** Discord guild (server) whose shared folder this agent sees at /workspace/server. */
  server: idSchema('server').optional(),
  /** Where the agent runs (issue 15): a machine by name, or any healthy one with these labels. Default: here. */
  runsOn: runsOnSchema.optional(),
  systemPrompt: z.string().optional(),
  /**
   * Show replies while the model writes them, edited in place (Telegram, Discord, Slack, the
   * terminal chat; not WhatsApp). Default: on in the terminal chat, off elsewhere.
   */
  stream: z.boolean().optional(),
  /**
   * Extra environment for the runner inside the sandbox, e.g. engine settings such as
   * API_TIMEOUT_MS or CLAUDE_CODE_MAX_RETRIES. Never a secret: the host refuses to start a
   * sandbox whose environment holds a configured credential. OMNICLAW_*, HOME and PATH are
   * set by the host and win.
   */
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string())
    .optional(),
  /** Scheduler (issue 10): a recurring heartbeat; what it does comes from CLAUDE.md. */
  heartbeat: z
    .strictObject({
      intervalMs: z.number().int().positive().optional(),
      cron: z.string().optional(),
      /** The chat it belongs to; default the agent's first routed chat. */
      chat: z.string().min(1).optional(),
    })
    .refine((h) => !(h.intervalMs !== undefined && h.cron !== undefined), 'give intervalMs or cron, not both')
    .optional(),
});

// --- Scheduler (issue 10) ---
/** A task declared in omniclaw.yaml: reconciled into the database at start, history kept. */
export const declaredTaskSchema = z
  .strictObject({
    id: idSchema('task'),
    agent: agentIdSchema,
    /** Default: the agent's first routed chat. */
    chat: z.string().min(1).optional(),
    prompt: z.string().min(1),
    cron: z.string().optional(),
    intervalMs: z.number().int().positive().optional(),
    /** One time: a local ISO time (instance time zone) or an instant with Z/offset. */
    at: z.string().optional(),
    contextMode: z.enum(['group', 'isolated']).default('group'),
    /** reply: the final answer is sent to the chat; send_message: only what the agent sends. */
    output: z.enum(['reply', 'send_message']).default('reply'),
    enabled: z.boolean().default(true),
  })
  .refine(
    (t) => [t.cron, t.intervalMs, t.at].filter((v) => v !== undefined).length === 1,
    'give exactly one of cron, intervalMs or at',
  );
export type DeclaredTask = z.infer<typeof declaredTaskSchema>;

const schedulerSchema = z
  .strictObject({
    /** A due time missed by up to this (host down) still runs once; later, it is skipped and logged (ms). */
    graceMs: z
      .number()
      .int()
      .min(0)
      .default(15 * 60_000),
    /** Slots of queue.maxConcurrent reserved for scheduled tasks. */
    taskSlots: z.number().int().min(1).default(1),
    /** Heartbeat runs per agent per day (instance time zone), at most. */
    heartbeatDailyCap: z.number().int().min(0).default(48),
  })
  .default({ graceMs: 15 * 60_000, taskSlots: 1, heartbeatDailyCap: 48 });
// --- end scheduler ---
export type AgentConfigInput = z.input<typeof agentSchema>;

export const routeSchema = z.strictObject({
  chat: z.string().min(1),
  agent: agentIdSchema,
  requiresTrigger: z.boolean().optional(),
  /** Stream intermediate output to a thread (Discord/Slack) or a status message (Telegram). */
  streamThreads: z.boolean().default(false),
});

const secret = z.string().min(1);
const URL_HINT = 'a URL such as http://localhost:11434/v1 (scheme, host and path)';

export const configSchema = z.strictObject({
  instance: z
    .strictObject({
      name: z.string().default('Omni'),
      timezone: z
        .string()
        .default(() => systemTimezone())
        .refine(isTimeZone, 'an IANA time zone such as Europe/Berlin'),
    })
    .default(() => ({ name: 'Omni', timezone: systemTimezone() })),
  http: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(7077),
    })
    .default({ host: '127.0.0.1', port: 7077 }),
  logging: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
      /** Also write JSON logs to $OMNICLAW_HOME/logs/omniclaw.log. */
      file: z.boolean().default(true),
    })
    .default({ level: 'info', file: true }),
  models: z
    .strictObject({
      anthropic: z
        .strictObject({
          baseUrl: z.string().url(URL_HINT).default('https://api.anthropic.com'),
          apiKey: secret.optional(),
          oauthToken: secret.optional(),
        })
        .optional(),
      openai: z
        .strictObject({
          baseUrl: z.string().url(URL_HINT).default('https://api.openai.com/v1'),
          apiKey: secret.optional(),
        })
        .optional(),
    })
    .default({}),
  channels: z
    .strictObject({
      local: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
      telegram: z
        .strictObject({ token: secret, apiRoot: z.string().default('https://api.telegram.org') })
        .optional(),
      discord: z
        .strictObject({ token: secret, api: z.string().default('https://discord.com/api') })
        .optional(),
      slack: z
        .strictObject({
          botToken: secret,
          appToken: secret,
          apiUrl: z.string().default('https://slack.com/api/'),
        })
        .optional(),
      whatsapp: z.strictObject({ enabled: z.boolean().default(false) }).optional(),
    })
    .default({ local: { enabled: true } }),
  sandbox: z
    .strictObject({
      default: z.enum(sandboxChoices).default('auto'),
      image: z.string().default('omniclaw-agent:latest'),
      /** When OmniClaw runs as root: the unprivileged host uid/gid every sandbox runs as. */
      uid: sandboxId,
      gid: sandboxId,
      /**
       * The gateway's TCP listener, for sandboxes that cannot mount its Unix socket (none,
       * Apple Container, Docker Desktop). A VM reaches the host at another address than
       * 127.0.0.1: set host to that interface and advertiseUrl to the URL the VM uses.
       */
      gateway: z
        .strictObject({
          host: z.string().default('127.0.0.1'),
          port: z.number().int().min(0).max(65535).default(0),
          advertiseUrl: z.string().url().optional(),
        })
        .default({ host: '127.0.0.1', port: 0 }),
      limits: limitsSchema.default({
        memoryMb: 1024,
        cpus: 1,
        pids: 256,
        timeoutMs: 30 * 60_000,
        diskMb: DEFAULT_DISK_MB,
      }),
    })
    .default({
      default: 'auto',
      image: 'omniclaw-agent:latest',
      uid: DEFAULT_SANDBOX_ID,
      gid: DEFAULT_SANDBOX_ID,
      gateway: { host: '127.0.0.1', port: 0 },
      limits: { memoryMb: 1024, cpus: 1, pids: 256, timeoutMs: 30 * 60_000, diskMb: DEFAULT_DISK_MB },
    }),
  queue: z
    .strictObject({
      /** Runs (sandboxes) alive at once, across all agents. */
      maxConcurrent: z.number().int().min(1).default(3),
      /** A warm agent with nothing to do is stopped after this long (ms). */
      idleTimeoutMs: z
        .number()
        .int()
        .min(0)
        .default(5 * 60_000),
      retry: z
        .strictObject({
          maxAttempts: z.number().int().min(1).default(3),
          baseDelayMs: z.number().int().min(0).default(2_000),
          maxDelayMs: z.number().int().min(0).default(60_000),
        })
        .default({ maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 }),
      /** On SIGTERM, in-flight runs get this long to finish (ms). */
      drainTimeoutMs: z.number().int().min(0).default(30_000),
    })
    .default({
      maxConcurrent: 3,
      idleTimeoutMs: 5 * 60_000,
      retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
      drainTimeoutMs: 30_000,
    }),
  database: z
    .strictObject({
      /** How often the write probe checks that the database can be written (ms). */
      probeIntervalMs: z.number().int().min(100).default(5_000),
      /**
       * Writes failing for longer than this (disk full, I/O errors) make the daemon exit with
       * code 75 so the service manager restarts it (ms).
       */
      maxUnavailableMs: z
        .number()
        .int()
        .min(1_000)
        .default(15 * 60_000),
    })
    .default({ probeIntervalMs: 5_000, maxUnavailableMs: 15 * 60_000 }),
  outbox: z
    .strictObject({
      /** A message the platform refuses for a while (429, 5xx, network) is retried this long (ms). */
      retryForMs: z
        .number()
        .int()
        .min(0)
        .default(6 * 60 * 60_000),
    })
    .default({ retryForMs: 6 * 60 * 60_000 }),
  /** Other computers that run agents over SSH (issue 15, docs/machines.md). */
  machines: z.array(machineSchema).default([]),
  agents: z.array(agentSchema).default([]),
  routes: z.array(routeSchema).default([]),
  scheduler: schedulerSchema,
  tasks: z.array(declaredTaskSchema).default([]),
  /** Multi-agent (issue 11): which agents may reach which. Nothing is allowed unless listed. */
  multiAgent: z
    .strictObject({
      /** `from` may send_message into the chats routed to `to` (it never wakes `to`). */
      messages: z.array(z.strictObject({ from: agentIdSchema, to: agentIdSchema })).default([]),
      /** `from` may delegate_task to `to` without the operator's approval (main never needs it). */
      delegate: z.array(z.strictObject({ from: agentIdSchema, to: agentIdSchema })).default([]),
      /** Bounds on delegate_task, so delegation cannot loop or fan out without end. */
      delegation: z
        .strictObject({
          /** Hops in one chain: a chat run delegates at depth 1, that delegated run at depth 2, … */
          maxDepth: z.number().int().min(1).max(5).default(2),
          /** Delegations one agent may have open (waiting for approval or running) at once. */
          maxOpenPerAgent: z.number().int().min(1).max(20).default(3),
          /** How long an unpaired delegation waits for `approve <id>` on the main chat. */
          approvalTimeoutMs: z.number().int().min(1_000).default(900_000),
        })
        .default({ maxDepth: 2, maxOpenPerAgent: 3, approvalTimeoutMs: 900_000 }),
      /**
       * `from` may share_request with `to` without the operator's approval (main never needs
       * it): `push` copies from's files into to's folder, `pull` copies to's files into from's.
       */
      share: z
        .array(
          z.strictObject({
            from: agentIdSchema,
            to: agentIdSchema,
            direction: z.enum(['push', 'pull', 'both']).default('push'),
          }),
        )
        .default([]),
      /** Bounds on share_request. */
      sharing: z
        .strictObject({
          /** Bytes one share_request (or the files attached to one delegate_task) may copy in all. */
          maxBytes: z
            .number()
            .int()
            .min(1)
            .default(10 * 1024 * 1024),
          /** How long an unpaired share waits for `approve <id>` on the main chat. */
          approvalTimeoutMs: z.number().int().min(1_000).default(3_600_000),
        })
        .default({ maxBytes: 10 * 1024 * 1024, approvalTimeoutMs: 3_600_000 }),
    })
    .default({
      messages: [],
      delegate: [],
      delegation: { maxDepth: 2, maxOpenPerAgent: 3, approvalTimeoutMs: 900_000 },
      share: [],
      sharing: { maxBytes: 10 * 1024 * 1024, approvalTimeoutMs: 3_600_000 },
    }),
});

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.infer<typeof configSchema>;
export type AgentConfigParsed = z.infer<typeof agentSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;
