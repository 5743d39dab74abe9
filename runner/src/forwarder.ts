/**
 * The in-sandbox end of the gateway. A Linux sandbox has no network but loopback; the
 * host's gateway socket is mounted in. This forwarder listens on 127.0.0.1:<port> (3128 by
 * default) and pipes every TCP connection, byte for byte, to that socket, so engines and
 * tools that only speak TCP (ANTHROPIC_BASE_URL, HTTPS_PROXY) reach the gateway.
 *
 * It understands nothing of HTTP: authentication and every decision stay on the host. Only
 * node:net, so the runner can start it before anything else.
 */
import net from 'node:net';

export interface Forwarder {
  /** The port actually listened on (useful when 0 was asked for). */
  readonly port: number;
  close(): Promise<void>;
}

export async function startForwarder(socketPath: string, port: number): Promise<Forwarder> {
  const live = new Set<net.Socket>();

  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ path: socketPath, allowHalfOpen: true });
    live.add(client).add(upstream);
    client.setNoDelay(true);
    // A failure on one side resets the other; a close on one side ends the other gracefully,
    // so bytes already piped (a refusal the gateway wrote just before closing) still arrive.
    client
      .on('error', () => upstream.destroy())
      .on('close', () => {
        live.delete(client);
        upstream.destroy();
      });
    upstream
      .on('error', () => client.destroy())
      .on('close', () => {
        live.delete(upstream);
        client.end();
      });
    // pipe() forwards a half-close (FIN) in each direction and handles back-pressure.
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`gateway forwarder: cannot listen on 127.0.0.1:${port} (${err.code ?? err.message})`)),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });

  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of live) socket.destroy();
      }),
  };
}
