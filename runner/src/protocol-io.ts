/**
 * The runner's side of the protocol wire: host commands come in on stdin as bounded JSON
 * lines, runner events go out on stdout. Nothing else may write to stdout (logs go to
 * stderr), or the host would read a corrupt stream.
 */
import type { Readable, Writable } from 'node:stream';
import { readLines } from '../../src/protocol/line-reader.js';
import {
  encodeLine,
  MAX_LINE_BYTES,
  parseHostCommand,
  ProtocolError,
  type HostCommand,
  type RunnerEvent,
} from '../../src/protocol/runner-protocol.js';

export interface CommandHandlers {
  command(command: HostCommand): void;
  /** A line that is not a valid command, or is too long: the run cannot go on. */
  invalid(err: ProtocolError): void;
  /** The host closed stdin. */
  end(): void;
}

export interface ProtocolIO {
  emit(event: RunnerEvent): void;
  /** Resolves when everything emitted so far has been handed to the OS. */
  flush(): Promise<void>;
  /** Stops reading commands. */
  close(): void;
}

export function startProtocolIO(
  input: Readable,
  output: Writable,
  handlers: CommandHandlers,
  maxLineBytes = MAX_LINE_BYTES,
): ProtocolIO {
  let closed = false;
  const stopReading = readLines(
    input,
    {
      line: (text) => {
        if (closed) return;
        let command: HostCommand;
        try {
          command = parseHostCommand(text);
        } catch (err) {
          handlers.invalid(err instanceof ProtocolError ? err : new ProtocolError(String(err)));
          return;
        }
        handlers.command(command);
      },
      error: (err) => {
        if (!closed) handlers.invalid(err);
      },
      end: () => {
        if (!closed) handlers.end();
      },
    },
    maxLineBytes,
  );
  // A host that went away must not crash the runner with EPIPE; stdin end handles shutdown.
  output.on('error', () => undefined);

  return {
    emit: (event) => {
      if (output.writableEnded || output.destroyed) return;
      output.write(encodeFitting(event));
    },
    flush: () =>
      new Promise((resolve) => {
        if (output.writableEnded || output.destroyed) return resolve();
        output.write('', () => resolve());
      }),
    close: () => {
      closed = true;
      stopReading();
    },
  };
}

/**
 * Encodes an event; an oversized text (a huge reply) is cut to fit, with a note saying so,
 * rather than lost. Anything else that does not fit becomes an error event.
 */
export function encodeFitting(event: RunnerEvent): string {
  try {
    return encodeLine(event);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    if ('text' in event && typeof event.text === 'string') {
      const keep = Math.floor(MAX_LINE_BYTES / 8); // characters can take up to 6 bytes once JSON-escaped
      const cut = `${event.text.slice(0, keep)}\n… [cut: the full text was ${event.text.length} characters, over the protocol limit]`;
      return encodeLine({ ...event, text: cut });
    }
    const turnId = 'turnId' in event ? event.turnId : undefined;
    return encodeLine({
      type: 'error',
      turnId,
      fatal: false,
      message: `the runner dropped a "${event.type}" event that exceeds the ${MAX_LINE_BYTES}-byte protocol limit`,
    });
  }
}
