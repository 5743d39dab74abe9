/**
 * Splits a byte stream into bounded lines. A line longer than the bound is an error for the
 * stream's owner (it ends that run), never an unbounded buffer.
 */
import type { Readable } from 'node:stream';
import { MAX_LINE_BYTES, ProtocolError } from './runner-protocol.js';

export interface LineReaderHandlers {
  line(text: string): void;
  error(err: ProtocolError): void;
  end?(): void;
}

export function readLines(
  stream: Readable,
  handlers: LineReaderHandlers,
  maxBytes = MAX_LINE_BYTES,
): () => void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let failed = false;

  const onData = (chunk: Buffer | string): void => {
    if (failed) return;
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let newline = buf.indexOf(10);
    while (newline !== -1) {
      const piece = buf.subarray(0, newline);
      if (pendingBytes + piece.length > maxBytes) return fail(pendingBytes + piece.length);
      const full = pending.length
        ? Buffer.concat([...pending, piece]).toString('utf8')
        : piece.toString('utf8');
      pending = [];
      pendingBytes = 0;
      if (full.trim()) handlers.line(full);
      if (failed) return;
      buf = buf.subarray(newline + 1);
      newline = buf.indexOf(10);
    }
    if (buf.length) {
      if (pendingBytes + buf.length > maxBytes) return fail(pendingBytes + buf.length);
      pending.push(Buffer.from(buf));
      pendingBytes += buf.length;
    }
  };
  const fail = (size: number): void => {
    failed = true;
    pending = [];
    handlers.error(new ProtocolError(`line of at least ${size} bytes exceeds the ${maxBytes}-byte limit`));
  };
  const onEnd = (): void => handlers.end?.();

  stream.on('data', onData);
  stream.on('end', onEnd);
  return () => {
    stream.off('data', onData);
    stream.off('end', onEnd);
  };
}
