/**
 * Messages the host itself puts into a chat's conversation for an agent (a context request
 * from another agent, later a delegation): stored like inbound messages so they are never
 * lost and wake the agent through the normal path, but with a platform id no platform
 * makes, so nobody tries to reply to or react on them on the platform.
 */
export const HOST_MESSAGE_PREFIX = 'omniclaw-host:';

export const isHostMessageId = (platformId: string | undefined): boolean =>
  platformId?.startsWith(HOST_MESSAGE_PREFIX) ?? false;

/** A message for `to`, written by the host on behalf of agent `from`. */
export interface HostMessage {
  /** The agent that should read it. */
  to: string;
  /** The agent it comes from (shown as the sender). */
  from: string;
  text: string;
}
