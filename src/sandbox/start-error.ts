/**
 * A sandbox that could not start for a reason the chat may hear (a machine unreachable, a
 * remote on another protocol version). `userText` is for the chat; `message` for the log.
 * The run launcher turns it into the core's UserFacingError.
 */
export class SandboxStartError extends Error {
  constructor(
    readonly userText: string,
    detail: string,
    /** True when another machine might run the agent instead (the machine itself failed, not the request). */
    readonly tryElsewhere = true,
  ) {
    super(detail);
    this.name = 'SandboxStartError';
  }
}
