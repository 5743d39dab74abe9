/**
 * Builds the InboundMessage every adapter hands to the intake, with the one text limit and
 * its one notice (src/domain/inbound-text.ts) applied to everything the sender chose:
 * text, display name and chat name. Optional fields the platform did not give are left out.
 */
import type { InboundMessage } from '../../domain/channel.js';
import { cleanInboundText, MAX_INBOUND_TEXT } from '../../domain/inbound-text.js';

/** Names are labels, not content: far shorter than a message. */
const MAX_NAME = 256;

export function inboundMessage(fields: InboundMessage, maxText = MAX_INBOUND_TEXT): InboundMessage {
  const message = Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as unknown as InboundMessage;
  message.text = cleanInboundText(fields.text, maxText);
  message.senderName = cleanInboundText(fields.senderName, MAX_NAME);
  if (fields.chatName) message.chatName = cleanInboundText(fields.chatName, MAX_NAME);
  else delete message.chatName;
  return message;
}
