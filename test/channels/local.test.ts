/**
 * The terminal chat over a real control socket: send_file shows the sent file to the watcher;
 * replies reach only the terminals watching the chat; hostile or unstorable input is refused.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalChannel } from '../../src/channels/local.js';
import { ControlSocket } from '../../src/transport/control-socket.js';
import { connectControl, type ServerMessage } from '../../src/cli/control-client.js';
import { silentLogger } from '../../src/observability/logger.js';
import { MAX_INBOUND_TEXT } from '../../src/domain/inbound-text.js';
import { sendAs, sendFileRig } from './send-file-kit.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('terminal chat', () => {
  it('send_file: the watcher of local:default is shown the sent file, a host copy it can open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omniclaw-local-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const control = new ControlSocket(join(dir, 'control.sock'), silentLogger());
    const channel = new LocalChannel(control, 'tester');
    await channel.connect({ inbound: () => ({ accepted: true }), state: () => undefined });
    await control.listen();
    cleanups.push(() => control.close());
    const client = await connectControl(join(dir, 'control.sock'));
    cleanups.push(() => client.close());
    const received: ServerMessage[] = [];
    client.onMessage((m) => received.push(m));
    client.send({ type: 'subscribe', chat: 'local:default' });
    await vi.waitFor(() => expect(received.some((m) => m.type === 'subscribed')).toBe(true));

    const rig = sendFileRig(channel);
    cleanups.push(() => rig.close());
    rig.put('plot.svg', '<svg/>');
    await rig.services.sendFile(sendAs('local:default', 'plot.svg', 'the plot'));
    await vi.waitFor(() => expect(received.some((m) => m.type === 'reply')).toBe(true));
    const reply = received.find((m) => m.type === 'reply')!;
    expect(reply.text).toBe('the plot');
    const [file] = reply.files as string[];
    expect(file!.startsWith(rig.stagingDir)).toBe(true);
    expect(readFileSync(file!, 'utf8')).toBe('<svg/>');
  });

  it('tells only the terminals watching a chat (a closed one too is no trouble), and refuses what it cannot take', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omniclaw-local-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const control = new ControlSocket(join(dir, 'control.sock'), silentLogger());
    const channel = new LocalChannel(control, 'tester');
    const stored: string[] = [];
    await channel.connect({
      inbound: (m) => (stored.push(m.text), { accepted: true, messageId: stored.length }),
      state: () => undefined,
    });
    await control.listen();
    cleanups.push(() => control.close());
    const terminal = async (chat: string) => {
      const client = await connectControl(join(dir, 'control.sock'));
      cleanups.push(() => client.close());
      const received: ServerMessage[] = [];
      client.onMessage((m) => received.push(m));
      client.send({ type: 'subscribe', chat });
      await vi.waitFor(() => expect(received.some((m) => m.type === 'subscribed')).toBe(true));
      return { client, received };
    };
    const a = await terminal('local:a');
    const b = await terminal('local:b');
    const alsoA = await terminal('local:a');
    alsoA.client.close();
    await channel.send('local:a', { text: 'for a' });
    await vi.waitFor(() => expect(a.received.some((m) => m.type === 'reply')).toBe(true));
    expect(b.received.map((m) => m.type)).toEqual(['subscribed']);

    for (const request of [
      { type: 'message', chat: 'local:../x', text: 'hi' },
      { type: 'message', chat: 'local:a', text: '   ' },
      { type: 'message', chat: 'local:a', text: 'x'.repeat(MAX_INBOUND_TEXT + 1) },
      { type: 'message', chat: 'local:a', text: 'stored', id: 'm1' },
    ])
      a.client.send(request);
    await vi.waitFor(() => expect(a.received.some((m) => m.type === 'accepted')).toBe(true));
    expect(a.received.filter((m) => m.type === 'error').map((m) => m.message)).toEqual([
      'invalid chat "local:../x": use local:<name> (letters, digits, - and _)',
      'empty message',
      `message too long (over ${MAX_INBOUND_TEXT} bytes)`,
    ]);
    expect(a.received.find((m) => m.type === 'accepted')).toMatchObject({
      chat: 'local:a',
      id: 'm1',
      messageId: 1,
    });
    expect(stored).toEqual(['stored']);

    await channel.disconnect();
    expect(channel.state()).toBe('disconnected');
    a.client.send({ type: 'message', chat: 'local:a', text: 'after' });
    await vi.waitFor(() => expect(a.received.at(-1)?.message).toMatch(/not connected; try again/));
    expect(stored).toEqual(['stored']);
  });
});
