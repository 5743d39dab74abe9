// Staged send_file copies through the host's own outbox wiring (hostOutbox): a real store,
// the real staging (stageAgentFile), a channel held in memory.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stageAgentFile } from '../../src/core/agent-file.js';
import { hostOutbox, type Outbox } from '../../src/core/outbox.js';
import { instancePaths, type InstancePaths } from '../../src/config/paths.js';
import { Metrics } from '../../src/observability/metrics.js';
import { silentLogger } from '../../src/observability/logger.js';
import { openStore, type Store } from '../../src/store/index.js';
import { MemoryChannel } from '../helpers/memory-channel.js';
import { testConfig } from '../tools/fixtures.js';

let home: string;
let paths: InstancePaths;
let store: Store;
let outbox: Outbox | undefined;
const channel = new MemoryChannel();
const channels = { forChat: (chat: string) => (channel.ownsChat(chat) ? channel : undefined) };

const start = (keeps = false): Outbox => {
  (channel.capabilities as { keepsSentFiles?: boolean }).keepsSentFiles = keeps;
  outbox = hostOutbox(
    { config: testConfig(), paths, logger: silentLogger() },
    { store, channels, metrics: new Metrics() },
  );
  return outbox;
};

const stage = async (name: string): Promise<string> => {
  writeFileSync(join(paths.groups, 'main', name), `bytes of ${name}`);
  return stageAgentFile({
    agentRoot: join(paths.groups, 'main'),
    path: name,
    stagingDir: join(paths.outboxFiles, 'main'),
    maxBytes: 1024,
    platform: 'memory',
  });
};

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'omniclaw-staged-'));
  paths = instancePaths(home);
  mkdirSync(join(paths.groups, 'main'), { recursive: true });
  store = openStore(paths.database);
  await channel.connect({ receive: async () => ({ accepted: true }), state: () => undefined } as never);
});
afterEach(() => {
  outbox?.stop();
  store.close();
  rmSync(home, { recursive: true, force: true });
});

describe('staged send_file copies', () => {
  it('are removed once the platform took the file', async () => {
    const box = start();
    const staged = await stage('chart.png');
    await box.deliver({ channel: 'memory', chat: 'mem:a', text: '', files: [staged], agent: 'main' });
    expect(channel.sent.at(-1)?.chat).toBe('mem:a');
    expect(existsSync(dirname(staged))).toBe(false);
    expect(existsSync(join(paths.outboxFiles, 'main'))).toBe(true);
  });

  it('stay where the channel was handed the path itself (the terminal chat)', async () => {
    const box = start(true);
    const staged = await stage('notes.txt');
    await box.deliver({ channel: 'memory', chat: 'mem:a', text: '', files: [staged], agent: 'main' });
    expect(existsSync(staged)).toBe(true);
  });

  it('are swept on start unless a pending or failed row still needs them', async () => {
    const pending = await stage('pending.txt');
    const failed = await stage('failed.txt');
    const orphan = await stage('orphan.txt');
    const sent = await stage('sent.txt');
    store.outbox.enqueue({ channel: 'memory', chat: 'mem:a', text: '', files: [pending] });
    const failedId = store.outbox.enqueue({ channel: 'memory', chat: 'mem:b', text: '', files: [failed] });
    store.outbox.markFailed(failedId, 'refused');
    const sentId = store.outbox.enqueue({ channel: 'memory', chat: 'mem:c', text: '', files: [sent] });
    store.outbox.markSent(sentId, 'p-1');
    // A staging cut short by a crash leaves a folder no row names.
    mkdirSync(join(paths.outboxFiles, 'main', 'half-done'));

    start();
    expect(existsSync(pending)).toBe(true);
    expect(existsSync(failed)).toBe(true);
    expect(existsSync(dirname(orphan))).toBe(false);
    expect(existsSync(dirname(sent))).toBe(false);
    expect(existsSync(join(paths.outboxFiles, 'main', 'half-done'))).toBe(false);
  });
});
