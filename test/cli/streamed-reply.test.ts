/** The terminal chat prints a streamed reply as it grows, and starts over when the model does. */
import { describe, expect, it } from 'vitest';
import { StreamedReplyPrinter } from '../../src/cli/streamed-reply.js';

describe('StreamedReplyPrinter', () => {
  it('prints what is new, then the rest of the final text and the end of the line', () => {
    const printer = new StreamedReplyPrinter();
    const out = [
      printer.partial('a', 'Hel', '> '),
      printer.partial('a', 'Hello wo', '> '),
      printer.final('a', 'Hello world.', '> '),
    ];
    expect(out.join('')).toBe('> Hello world.\n');
    expect(printer.open).toBe(false);
  });

  it('starts a new line with the whole text when the text changed under what was printed', () => {
    const printer = new StreamedReplyPrinter();
    const out = [
      printer.partial('a', 'Let me check'),
      printer.partial('a', 'Done'),
      printer.final('a', 'Done.'),
    ];
    expect(out.join('')).toBe('Let me check\nDone.\n');
  });

  it('leaves a reply that finishes nothing streamed to be printed whole', () => {
    const printer = new StreamedReplyPrinter();
    expect(printer.final(undefined, 'plain')).toBeUndefined();
    printer.partial('a', 'x');
    expect(printer.final('other', 'plain')).toBeUndefined();
  });
});
