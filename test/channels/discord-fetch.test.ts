import { createServer, type Server, type Socket } from 'node:net';
import { REST } from '@discordjs/rest';
import { afterEach, describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/closed-port.js';
import { discordFetch } from '../../src/channels/discord/gateway.js';

/** A TCP server on 127.0.0.1 that resets every connection once the request arrives. */
async function resettingServer(): Promise<{ url: string; connections: () => number; server: Server }> {
  let connections = 0;
  const server = createServer((socket: Socket) => {
    connections++;
    socket.once('data', () => socket.resetAndDestroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/api`, connections: () => connections, server };
}

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

describe("Discord's REST client on Node's fetch (discordFetch)", () => {
  it('retries a reset connection as @discordjs/rest does with its own client, then names the reset', async () => {
    const reset = await resettingServer();
    servers.push(reset.server);
    const rest = new REST({ api: reset.url, retries: 2, version: '10', makeRequest: discordFetch }).setToken(
      'x.y.z',
    );
    const error = (await rest.get('/gateway/bot').catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(error.code).toBe('ECONNRESET');
    expect(reset.connections()).toBe(3);
  });

  it('says why a connection failed, not only "fetch failed"', async () => {
    const port = await closedPort();
    const rest = new REST({
      api: `http://127.0.0.1:${port}/api`,
      retries: 0,
      version: '10',
      makeRequest: discordFetch,
    }).setToken('x.y.z');
    const error = (await rest.get('/gateway/bot').catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});
