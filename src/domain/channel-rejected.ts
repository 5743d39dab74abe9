/**
 * Thrown by a channel's connect() when the platform refused its credentials (HTTP 401, an
 * invalid token, a revoked app): trying again cannot help, so the host stops retrying and
 * shows the channel as failed in `status` and /readyz until the token is fixed.
 */
export class ChannelRejectedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ChannelRejectedError';
  }
}
