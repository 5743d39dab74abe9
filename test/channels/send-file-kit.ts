/**
 * send_file through the host's real parts: an agent folder with a file, a real store and
 * outbox, HostToolServices over one channel. Each platform's test passes its adapter
 * (connected to its fake server) and checks what the fake received.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Channel } from '../../src/domain/channel.js';
import { Outbox } from '../../src/core/outbox.js';
import { HostToolServices } from '../../src/core/tool-services.js';
import { silentLogger } from '../../src/observability/logger.js';
import { openStore, type Store } from '../../src/store/index.js';

export interface SendFileRig {
  services: HostToolServices;
  store: Store;
  outbox: Outbox;
  /** The agent's folder (groups/main). */
  agentRoot: string;
  stagingDir: string;
  /** Writes a file into the agent folder. */
  put(path: string, content: string | Buffer): void;
  close(): void;
}

export function sendFileRig(channel: Channel): SendFileRig {
  const home = mkdtempSync(join(tmpdir(), 'omniclaw-sendfile-'));
  const agentRoot = join(home, 'groups', 'main');
  const stagingDir = join(home, 'outbox-files');
  mkdirSync(agentRoot, { recursive: true });
  const store = openStore(join(home, 'omniclaw.db'));
  const channels = { forChat: (chat: string) => (channel.ownsChat(chat) ? channel : undefined) };
  const outbox = new Outbox({ store: store.outbox, channels, logger: silentLogger() });
  const services = new HostToolServices({
    table: { agents: [], routes: [] },
    store,
    outbox,
    channels,
    files: { agentFolder: () => agentRoot, stagingDir },
  });
  return {
    services,
    store,
    outbox,
    agentRoot,
    stagingDir,
    put: (path, content) => {
      mkdirSync(join(agentRoot, path, '..'), { recursive: true });
      writeFileSync(join(agentRoot, path), content);
    },
    close: () => {
      outbox.stop();
      store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export const sendAs = (chat: string, path: string, caption?: string) => ({
  chat,
  path,
  caption,
  agent: 'main',
  runId: 'run-send-file',
});
