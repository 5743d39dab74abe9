/**
 * Reading the node handshake off an ssh process's stdout: one bounded line at a time, with
 * a deadline, and the bytes after it handed on untouched (they are the runner protocol).
 * A remote that sends garbage, too much, or nothing is refused here, before anything of
 * the host listens to it.
 */
import { PassThrough, type Readable } from 'node:stream';
import { MAX_HANDSHAKE_BYTES, printable } from '../protocol/node-protocol.js';
import { ProtocolError } from '../protocol/runner-protocol.js';

export class HandshakeReader {
  private buffered = Buffer.alloc(0);
  private waiting: { resolve: (line: string) => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer): void => {
    if (this.failure) return;
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.deliver();
  };
  private readonly onEnd = (): void =>
    this.fail(new ProtocolError('the connection closed during the handshake'));

  constructor(
    private readonly stream: Readable,
    private readonly side: string,
  ) {
    stream.on('data', this.onData);
    stream.once('end', this.onEnd);
  }

  /** The next line (without its newline); rejects on a closed stream, an oversized line or the deadline. */
  next(timeoutMs: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new ProtocolError(`${this.side} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting = {
        resolve: (line) => (clearTimeout(timer), resolve(line)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      };
      this.deliver();
    });
  }

  /** Stops reading; the rest of the stream (and what was read past the last line) flows on. */
  release(): Readable {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    const out = new PassThrough();
    if (this.buffered.length) out.write(this.buffered);
    this.buffered = Buffer.alloc(0);
    this.stream.pipe(out);
    return out;
  }

  private deliver(): void {
    if (!this.waiting) return;
    const newline = this.buffered.indexOf(10);
    if (newline === -1) {
      if (this.buffered.length > MAX_HANDSHAKE_BYTES) {
        this.fail(
          new ProtocolError(
            `${this.side} sent a handshake line over ${MAX_HANDSHAKE_BYTES} bytes (starting ${printable(this.buffered.subarray(0, 80).toString('utf8'))})`,
          ),
        );
      }
      return;
    }
    if (newline > MAX_HANDSHAKE_BYTES) {
      return this.fail(
        new ProtocolError(`${this.side} sent a handshake line over ${MAX_HANDSHAKE_BYTES} bytes`),
      );
    }
    const line = this.buffered.subarray(0, newline).toString('utf8');
    this.buffered = this.buffered.subarray(newline + 1);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting.resolve(line);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.buffered = Buffer.alloc(0);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(err);
  }
}
