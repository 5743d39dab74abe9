/**
 * `omniclaw node attach`: the remote end of a machine's SSH master. Says hello (the version
 * handshake, the sandboxes here), opens the forwarded gateway socket to this machine's
 * sandbox uids, reports ready, then waits: the master's lifetime is this command's.
 */
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { helloOf, writeLine } from './hello.js';
import type { NodeInstance } from './instance.js';
import { ownGatewaySocket } from './run.js';

export async function attachNode(
  instance: NodeInstance,
  io: { input: Readable; output: Writable },
  gatewaySocket: string | undefined,
): Promise<number> {
  writeLine(io.output, await helloOf(instance));
  try {
    // The forward is set up before this command starts; a slow remote gets a moment more.
    for (let tries = 0; gatewaySocket; tries++) {
      try {
        ownGatewaySocket(instance, gatewaySocket);
        break;
      } catch (err) {
        if (tries >= 40 || !/missing/.test((err as Error).message)) throw err;
        await sleep(50);
      }
    }
  } catch (err) {
    writeLine(io.output, { type: 'node_error', message: (err as Error).message });
    return 2;
  }
  writeLine(io.output, { type: 'node_ready', sandbox: (await instance.sandboxes()).kinds[0] ?? 'none' });
  await new Promise<void>((resolve) => {
    io.input.once('end', resolve);
    io.input.once('error', () => resolve());
    io.input.resume();
  });
  return 0;
}
