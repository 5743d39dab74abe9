/**
 * An expected tool failure (bad path, missing file, non-unique edit): its message goes back
 * to the model as the tool result so it can correct itself. Anything else is a bug.
 */
export class ToolFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolFailure';
  }
}
