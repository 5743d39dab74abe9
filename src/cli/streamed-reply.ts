/**
 * The terminal chat's streamed replies: the daemon sends `partial` messages with the whole
 * text so far, then the `reply` (with `edit` naming the same message). A terminal cannot edit
 * what it printed, so this prints what is new; when the text changed under what was printed
 * (the model started over), it starts a fresh line with the whole text.
 */
export class StreamedReplyPrinter {
  private id: string | undefined;
  private printed = '';

  /** What to write for a partial text of message `id`. */
  partial(id: string, text: string, prefix = ''): string {
    if (id !== this.id) {
      const restart = this.id !== undefined ? '\n' : '';
      this.id = id;
      this.printed = text;
      return `${restart}${prefix}${text}`;
    }
    return this.advance(text, prefix);
  }

  /**
   * What to write for the final reply; undefined when it finishes nothing streamed here (print
   * it whole, as before).
   */
  final(edit: string | undefined, text: string, prefix = ''): string | undefined {
    if (edit === undefined || edit !== this.id) return undefined;
    const out = `${this.advance(text, prefix)}\n`;
    this.id = undefined;
    this.printed = '';
    return out;
  }

  /** A stream is open (its line is not ended yet). */
  get open(): boolean {
    return this.id !== undefined;
  }

  private advance(text: string, prefix: string): string {
    if (text.startsWith(this.printed)) {
      const rest = text.slice(this.printed.length);
      this.printed = text;
      return rest;
    }
    this.printed = text;
    return `\n${prefix}${text}`;
  }
}
