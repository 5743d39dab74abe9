/**
 * The node handshake (issue 15): what the host and `omniclaw node …` on another machine say
 * over the SSH channel before the runner protocol starts. One JSON line each way, bounded;
 * after `node_ready` the channel carries the runner protocol unchanged.
 *
 *   node → host  node_hello  {v, version, home, sandboxes}    (first line, always)
 *   host → node  node_start  {v, runId, agent, env, limits, gatewaySocket}
 *   node → host  node_ready  {sandbox}  |  node_error {message}
 *
 * Both sides check `v` (PROTOCOL_VERSION): a machine running another protocol is refused
 * with a message that says which side to upgrade.
 */
import { z } from 'zod';
import { parseWith, PROTOCOL_VERSION } from './runner-protocol.js';

/** The handshake lines are small; anything longer is a hostile or broken remote. */
export const MAX_HANDSHAKE_BYTES = 64 * 1024;

export const nodeHelloSchema = z.object({
  type: z.literal('node_hello'),
  /** The runner protocol version the node speaks. */
  v: z.number().int(),
  /** The remote OmniClaw version (package.json). */
  version: z.string().max(64),
  /** The remote instance directory. */
  home: z.string().max(1024),
  /** Sandboxes that work there, best first; the first one runs agents. */
  sandboxes: z.array(z.string().max(32)).max(16),
  /** Why none works, when the list is empty. */
  why: z.string().max(2048).optional(),
});
export type NodeHello = z.infer<typeof nodeHelloSchema>;

export const nodeStartSchema = z.object({
  type: z.literal('node_start'),
  v: z.number().int(),
  runId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/),
  agent: z.object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/),
    server: z.string().optional(),
  }),
  /** The runner's environment from the host: never a secret (the host checked it). */
  env: z.record(z.string(), z.string()),
  limits: z.object({
    memoryMb: z.number().positive(),
    cpus: z.number().positive(),
    pids: z.number().int().positive(),
    timeoutMs: z.number().int().positive(),
    diskMb: z.number().positive().optional(),
    tmpMb: z.number().positive().optional(),
  }),
  /** The host gateway as forwarded over this SSH connection (a socket under the remote home's run/). */
  gatewaySocket: z.string().optional(),
});
export type NodeStart = z.infer<typeof nodeStartSchema>;

export const nodeReplySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('node_ready'), sandbox: z.string().max(32) }),
  z.object({ type: z.literal('node_error'), message: z.string().max(4096) }),
]);
export type NodeReply = z.infer<typeof nodeReplySchema>;

/** A versions mismatch, worded for the operator (both versions, which side to upgrade). */
export function versionMismatch(remoteV: number, where: string): string | undefined {
  if (remoteV === PROTOCOL_VERSION) return undefined;
  const newer = remoteV > PROTOCOL_VERSION ? 'the main machine' : where;
  return `${where} speaks runner protocol ${remoteV}, this machine ${PROTOCOL_VERSION}: upgrade OmniClaw on ${newer}`;
}

export const parseHandshake = <T>(schema: z.ZodType<T>, line: string, side: string): T =>
  parseWith(
    schema,
    line,
    side,
    (l) => `${side} did not answer with the OmniClaw node handshake (got: ${printable(l)})`,
  );

/** A remote's bytes in a log line: short, no control characters. */
export const printable = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  JSON.stringify(text.slice(0, 80).replace(/[\u0000-\u001f\u007f]/g, '?'));
