import { describe, expect, it } from 'vitest';
import { ChannelSet } from '../../src/core/channel-set.js';
import { silentLogger } from '../../src/observability/logger.js';
import { MemoryChannel } from '../helpers/memory-channel.js';
import type { ChannelSink, ChannelState } from '../../src/domain/channel.js';
import { createTelegramChannel } from '../../src/channels/telegram/index.js';
import { startFakeTelegram } from '../fakes/fake-telegram.js';

/** A platform that is down for the first `failures` connects. */
class FlakyChannel extends MemoryChannel {
  attempts = 0;
  constructor(private failures: number) {
    super();
  }
  override async connect(sink: ChannelSink): Promise<void> {
    this.attempts++;
    if (this.attempts <= this.failures) throw new Error('platform down');
    await super.connect(sink);
  }
}

describe('ChannelSet', () => {
  it('connects the others when one channel cannot, and retries that one until it connects', async () => {
    const flaky = new FlakyChannel(1);
    const healthy = new MemoryChannel();
    const set = new ChannelSet([flaky, healthy], silentLogger());
    const states: [string, ChannelState][] = [];
    await set.connectAll((channel) => ({
      inbound: () => ({ accepted: true }),
      state: (state) => states.push([channel === flaky ? 'flaky' : 'healthy', state]),
    }));
    expect(healthy.state()).toBe('connected');
    expect(flaky.state()).toBe('disconnected');
    expect(states).toContainEqual(['flaky', 'failed']);
    // First retry after 1 s.
    await new Promise((r) => setTimeout(r, 1_300));
    expect(flaky.attempts).toBe(2);
    expect(flaky.state()).toBe('connected');
    expect(states[states.length - 1]).toEqual(['flaky', 'connected']);
    await set.disconnectAll();
  });

  it('stops retrying a channel whose token the platform rejects (401) and shows it failed, while others retry', async () => {
    const tg = await startFakeTelegram();
    const telegram = createTelegramChannel({
      token: '1:rejected',
      apiRoot: tg.apiRoot,
      logger: silentLogger(),
    });
    const flaky = new FlakyChannel(3);
    const set = new ChannelSet([telegram, flaky], silentLogger(), undefined, 20);
    const states = new Map<string, { state: ChannelState; detail?: string }>();
    await set.connectAll((channel) => ({
      inbound: () => ({ accepted: true }),
      state: (state, detail) => states.set(channel.name, { state, detail }),
    }));
    // The flaky one is retried three times (20, 40, 80 ms); a retried Telegram would have been too.
    while (flaky.state() !== 'connected') await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    expect(tg.refusedCalls()).toBe(1);
    expect(states.get('telegram')).toEqual({
      state: 'failed',
      detail: expect.stringMatching(/Telegram rejected the bot token/),
    });
    await set.disconnectAll();
    await tg.close();
  });

  it('stops retrying once it is shut down', async () => {
    const flaky = new FlakyChannel(10);
    const set = new ChannelSet([flaky], silentLogger());
    await set.connectAll(() => ({ inbound: () => ({ accepted: true }), state: () => undefined }));
    await set.disconnectAll();
    await new Promise((r) => setTimeout(r, 1_300));
    expect(flaky.attempts).toBe(1);
  });

  it('finds the channel that owns a chat', () => {
    const memory = new MemoryChannel();
    const set = new ChannelSet([memory], silentLogger());
    expect(set.forChat('mem:x')).toBe(memory);
    expect(set.forChat('tg:1')).toBeUndefined();
  });
});
