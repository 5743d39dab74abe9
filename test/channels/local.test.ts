/** The terminal chat over a real control socket: send_file shows the sent file to the watcher. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalChannel } from '../../src/channels/local.js';
import { ControlSocket } from '../../src/transport/control-socket.js';
import { connectControl, type ServerMessage } from '../../src/cli/control-client.js';
import { silentLogger } from '../../src/observability/logger.js';
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
});
