/**
 * Entry point of the agent runner: `node runner/dist/runner/src/main.js`, started by a sandbox with the
 * agent folder as cwd. stdin/stdout carry the runner protocol; logs go to stderr as JSON
 * lines. This file only wires the parts together.
 */
import type { StartCommand } from '../../src/protocol/runner-protocol.js';
import type { Forwarder } from './forwarder.js';
import { runRunner, type Log } from './run.js';
import { runtimeTable } from './runtimes/index.js';

const log: Log = (message, fields) => {
  process.stderr.write(
    `${JSON.stringify({ time: Date.now(), component: 'runner', msg: message, ...fields })}\n`,
  );
};

let forwarder: Forwarder | undefined;

/**
 * Inside a network-less sandbox the gateway is a mounted Unix socket; the forwarder makes it
 * reachable on 127.0.0.1 so engines can use plain HTTP base URLs and proxies.
 */
async function startGatewayForwarder(_start: StartCommand): Promise<void> {
  const socketPath = process.env.OMNICLAW_GATEWAY_SOCKET;
  if (!socketPath) return;
  const port = Number(process.env.OMNICLAW_GATEWAY_PORT ?? 3128);
  const { startForwarder } = await import('./forwarder.js'); // loaded only when a gateway socket is mounted
  forwarder = await startForwarder(socketPath, port);
  log('gateway forwarder listening', { port: forwarder.port });
}

const code = await runRunner({
  input: process.stdin,
  output: process.stdout,
  runtimes: runtimeTable,
  log,
  beforeRuntime: startGatewayForwarder,
});
await forwarder?.close().catch(() => undefined);
// Engines may leave handles behind (timers, sockets); the protocol is flushed, so leave now.
process.exit(code);
