/**
 * The inbound half every adapter shares: dedupe of messages handed over twice, received
 * files fetched from a server on 127.0.0.1 into a real inbox folder, the storage-fault
 * hand-over (held, or the error back to a platform that keeps the message), ordered work,
 * and the one text limit on what a sender chose.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChannelIntake, type IntakeOptions } from '../../../src/channels/kit/intake.js';
import { inboundMessage } from '../../../src/channels/kit/message.js';
import { Recent } from '../../../src/channels/kit/recent.js';
import { StorageUnavailableError } from '../../../src/domain/storage-fault.js';
import { MAX_INBOUND_TEXT } from '../../../src/domain/inbound-text.js';
import type { ChannelSink, InboundMessage } from '../../../src/domain/channel.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { capturedLogger, recordingSink } from '../channel-test-kit.js';

const message = (platformId: string, chat = 'x:1'): InboundMessage => ({
  channel: 'test',
  chat,
  platformId,
  senderId: 'u1',
  senderName: 'Ann',
  text: `message ${platformId}`,
  timestamp: 1,
});

const intakeWith = (options: Partial<IntakeOptions> = {}): ChannelIntake =>
  new ChannelIntake({ platform: 'Test', logger: silentLogger(), holdWhileStorageDown: false, ...options });

/** A sink whose database is full until `full` is cleared: it throws what the real store throws. */
function diskFullSink(): ChannelSink & { full: boolean; stored: string[] } {
  const sink = {
    full: true,
    stored: [] as string[],
    inbound: (m: InboundMessage) => {
      if (sink.full) throw new StorageUnavailableError('storing a message', new Error('SQLITE_FULL'));
      sink.stored.push(m.platformId);
      return { accepted: true };
    },
    state: () => undefined,
  };
  return sink;
}

describe('ChannelIntake', () => {
  let server: Server;
  let base: string;
  const dir = mkdtempSync(join(tmpdir(), 'omniclaw-kit-'));
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/photo.jpg') return void res.end('jpeg bytes');
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes a message handed over twice on once; the same id in another chat is another message', async () => {
    const sink = recordingSink();
    const intake = intakeWith({ dedupe: 10 });
    intake.connect(sink);
    await intake.deliver(message('m1'));
    await intake.deliver(message('m1'));
    await intake.deliver(message('m1', 'x:2'));
    expect(sink.messages.map((m) => `${m.chat}/${m.platformId}`)).toEqual(['x:1/m1', 'x:2/m1']);
  });

  it('gives a platform that keeps messages the storage error back, and takes the message again later', async () => {
    const sink = diskFullSink();
    const intake = intakeWith({ dedupe: 10 });
    intake.connect(sink);
    await expect(intake.deliver(message('m1'))).rejects.toBeInstanceOf(StorageUnavailableError);
    sink.full = false;
    await intake.deliver(message('m1'));
    expect(sink.stored).toEqual(['m1']);
  });

  it('holds what a deliver-once platform handed over while the database was down, and stores it in order after', async () => {
    const sink = diskFullSink();
    const intake = intakeWith({ holdWhileStorageDown: true });
    intake.connect(sink);
    await intake.deliver(message('m1'));
    await intake.deliver(message('m2'));
    expect(sink.stored).toEqual([]);
    sink.full = false;
    await vi.waitFor(() => expect(sink.stored).toEqual(['m1', 'm2']), { timeout: 10_000, interval: 20 });
    await intake.stop();
  });

  it('fetches files into the routed chat’s inbox; one that fails or is announced too large is recorded as not received', async () => {
    const sink = recordingSink();
    const { logger, output } = capturedLogger();
    const fetched: string[] = [];
    const intake = intakeWith({
      logger,
      inboxFor: (chat) => (chat === 'x:1' ? dir : undefined),
      attachmentLimits: { maxBytes: 1000 },
    });
    intake.connect(sink);
    const files = [
      { name: 'photo.jpg', path: '/photo.jpg', mime: 'image/jpeg' },
      { name: 'gone.pdf', path: '/gone.pdf' },
      { name: 'huge.bin', path: '/huge.bin', size: 5000 },
    ];
    const fetchFile = async (file: { path: string }) => (fetched.push(file.path), { url: base + file.path });
    await intake.deliver(message('m1'), files, fetchFile);
    await intake.deliver(message('m2', 'x:unrouted'), files, fetchFile);
    expect(fetched).toEqual(['/photo.jpg', '/gone.pdf']);
    const [routed, unrouted] = sink.messages;
    expect(routed?.attachments).toEqual([
      expect.objectContaining({ name: 'photo.jpg', file: 'photo.jpg', size: 10 }),
      expect.objectContaining({ name: 'gone.pdf', notReceived: 'the download failed' }),
      expect.objectContaining({ name: 'huge.bin', notReceived: 'over the 1000 bytes limit', size: 5000 }),
    ]);
    expect(readFileSync(join(dir, 'photo.jpg'), 'utf8')).toBe('jpeg bytes');
    expect(unrouted?.attachments).toBeUndefined();
    expect(output()).toMatch(/Test attachment not downloaded/);
    expect(output()).not.toContain(base);
  });

  it('records files past the per-message limit as not received, without fetching them', async () => {
    const sink = recordingSink();
    const intake = intakeWith({ inboxFor: () => dir, maxFilesPerMessage: 1 });
    intake.connect(sink);
    const fetchFile = vi.fn(async () => ({ url: `${base}/photo.jpg` }));
    await intake.deliver(message('m3'), [{ name: 'one.jpg' }, { name: 'two.jpg' }], fetchFile);
    expect(fetchFile).toHaveBeenCalledTimes(1);
    expect(sink.messages[0]?.attachments?.[1]).toMatchObject({
      name: 'two.jpg',
      notReceived: 'more than 1 files in one message',
    });
  });

  it('runs queued work in arrival order; a failure drops that piece only, and is logged', async () => {
    const { logger, output } = capturedLogger();
    const intake = intakeWith({ logger });
    const done: string[] = [];
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    intake.queue(async () => (await slow, void done.push('slow first')));
    intake.queue(async () => {
      throw new Error('bad payload');
    });
    intake.queue(async () => void done.push('fast second'));
    release();
    await intake.stop();
    expect(done).toEqual(['slow first', 'fast second']);
    expect(output()).toMatch(/Test inbound message dropped/);
  });

  it('reports state to the sink and answers state()', () => {
    const sink = recordingSink();
    const intake = intakeWith();
    expect(intake.state()).toBe('disconnected');
    intake.connect(sink);
    intake.setState('failed', 'token rejected');
    expect(intake.state()).toBe('failed');
    expect(sink.states).toEqual([{ state: 'failed', detail: 'token rejected' }]);
  });
});

describe('inboundMessage', () => {
  it('applies the one text limit and its notice, bounds names, and leaves out what the platform did not give', () => {
    const built = inboundMessage({
      ...message('m1'),
      text: 'y'.repeat(MAX_INBOUND_TEXT + 5),
      senderName: 'n'.repeat(1000),
      chatName: undefined,
      threadId: undefined,
      replyToBot: false,
    });
    expect(built.text).toMatch(/\n\[… 5 more characters cut\]$/);
    expect(built.senderName.length).toBeLessThan(300);
    expect(Object.keys(built)).not.toContain('chatName');
    expect(Object.keys(built)).not.toContain('threadId');
    expect(built.replyToBot).toBe(false);
  });

  it('replaces lone surrogates in text and names', () => {
    const built = inboundMessage({ ...message('m1'), text: 'a\uD800b', chatName: 'c\uDC00d' });
    expect(built.text).toBe('a\uFFFDb');
    expect(built.chatName).toBe('c\uFFFDd');
  });
});

describe('Recent', () => {
  it('forgets the oldest past its limit; remembering again makes an entry new', () => {
    const recent = new Recent<number>(2);
    recent.remember('a', 1);
    recent.remember('b', 2);
    recent.remember('a', 3);
    recent.remember('c', 4);
    expect(recent.has('b')).toBe(false);
    expect(recent.get('a')).toBe(3);
    expect(recent.has('c')).toBe(true);
  });
});
