/**
 * Text from a platform is stored, shown to agents and echoed back: it must be well-formed
 * Unicode (a lone surrogate breaks UTF-8 storage and JSON on the way into a sandbox) and of
 * bounded size (a hostile or buggy server can send megabytes). Channels clean what they
 * normalise; intake cleans again before storing, so a channel that forgot cannot store more.
 * Larger texts are cut (and say so) rather than refused: the user still gets an answer.
 */

/** Far above every platform's own limit (Discord 4000, Telegram 4096, Slack 40 000). */
export const MAX_INBOUND_TEXT = 64 * 1024;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanInboundText(text: unknown, max = MAX_INBOUND_TEXT): string {
  if (typeof text !== 'string') return '';
  let clean = text.replace(LONE_SURROGATE, '\uFFFD');
  if (clean.length > max) {
    const cut = /[\uD800-\uDBFF]/.test(clean[max - 1] ?? '') ? max - 1 : max;
    clean = `${clean.slice(0, cut)}\n[… ${clean.length - cut} more characters cut]`;
  }
  return clean;
}
