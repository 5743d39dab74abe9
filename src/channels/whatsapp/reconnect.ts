/**
 * What to do when the WhatsApp socket closes, by baileys' DisconnectReason code, and how
 * long to wait before trying again. Pure, so the rules are tested with a table.
 */
import { DisconnectReason } from 'baileys';
import type { Backoff } from '../../protocol/backoff.js';

export type CloseDecision =
  { action: 'reconnect'; immediate: boolean; why: string } | { action: 'stop'; why: string };

const PAIR_AGAIN = 'pair again with `omniclaw channels add whatsapp`';

/** The codes after which reconnecting cannot help, with what to do. */
const STOP_REASONS: Partial<Record<number, string>> = {
  [DisconnectReason.loggedOut]: `WhatsApp logged this device out (it was removed from Linked devices); ${PAIR_AGAIN}`,
  [DisconnectReason.connectionReplaced]:
    'another session with the same WhatsApp pairing took over (a second OmniClaw running?); stop it, then restart',
  [DisconnectReason.multideviceMismatch]: `WhatsApp refused this linked device (multi-device mismatch); ${PAIR_AGAIN}`,
  [DisconnectReason.forbidden]: 'WhatsApp refused the connection (403: the account may be restricted)',
};

export function decideOnClose(statusCode: number | undefined): CloseDecision {
  const stop = statusCode === undefined ? undefined : STOP_REASONS[statusCode];
  if (stop) return { action: 'stop', why: stop };
  // Sent right after pairing: WhatsApp wants a fresh connection with the new credentials.
  if (statusCode === DisconnectReason.restartRequired)
    return {
      action: 'reconnect',
      immediate: true,
      why: 'WhatsApp asked for a restart (normal after pairing)',
    };
  return {
    action: 'reconnect',
    immediate: false,
    why: `connection closed (code ${statusCode ?? 'unknown'})`,
  };
}

/** 1 s, doubling up to a minute, spread ±20 % so several instances do not retry in lockstep. */
export const RECONNECT_BACKOFF: Backoff = { baseMs: 1_000, maxMs: 60_000, factor: 2, jitter: 0.2 };

/** The status code baileys puts on lastDisconnect.error (a Boom). */
export function closeStatusCode(error: unknown): number | undefined {
  const output = (error as { output?: { statusCode?: unknown } } | undefined)?.output;
  return typeof output?.statusCode === 'number' ? output.statusCode : undefined;
}
