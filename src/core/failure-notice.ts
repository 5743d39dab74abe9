/**
 * What a chat is told when its message could not be answered: one short sentence and what
 * to do. Never the detail — run and turn ids, the in-sandbox gateway URL, runner stderr,
 * upstream error bodies — which goes to the log (with the run id) for the operator.
 * A failure carries its notice as a type (UserFacingError), so no code has to guess from
 * the wording of an error whether a person may read it.
 */

/** An error whose `userText` is written for the chat; `message` is the detail for the log. */
export class UserFacingError extends Error {
  constructor(
    readonly userText: string,
    detail: string = userText,
  ) {
    super(detail);
    this.name = 'UserFacingError';
  }
}

/** Why a run was refused before it started. */
export type RefusalKind = 'no-model' | 'budget';

/**
 * A run refused before it starts (no model configured, the daily budget spent): a typed
 * value the queue hands to its give-up path as it is, never recognised by its wording.
 */
export class Refusal extends UserFacingError {
  constructor(
    readonly kind: RefusalKind,
    userText: string,
  ) {
    super(userText);
    this.name = 'Refusal';
  }
}

export type FailureKind = 'model' | 'runner' | 'sandbox' | 'timeout' | 'limit';

const SEE_LOGS = 'if it keeps happening, `omniclaw logs` on the host says why';

/** The sentence for a kind of failure; `timeoutMs` for a time limit. */
export function failureNotice(kind: FailureKind, options: { timeoutMs?: number } = {}): string {
  switch (kind) {
    case 'model':
      return `Sorry, the AI model did not answer, so I could not reply. Try again in a moment; ${SEE_LOGS}.`;
    case 'runner':
      return `Sorry, something went wrong on my side and I could not answer. Try again; ${SEE_LOGS}.`;
    case 'sandbox':
      return 'Sorry, I could not start my sandbox, so I could not answer. `omniclaw doctor` on the host says what is wrong.';
    case 'timeout': {
      const minutes = options.timeoutMs ? Math.max(1, Math.round(options.timeoutMs / 60_000)) : undefined;
      return (
        `Sorry, I stopped: your request took longer than my ${minutes ? `${minutes}-minute ` : ''}time limit. ` +
        "Try a smaller request, or raise the agent's limits.timeoutMs."
      );
    }
    case 'limit':
      return "Sorry, I stopped: I went over my memory or process limit. Try a smaller request, or raise the agent's limits.";
  }
}
