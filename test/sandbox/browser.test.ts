import { afterEach, describe, expect, it } from 'vitest';
import { createBackendChooser } from '../../src/sandbox/choose.js';
import { silentLogger } from '../../src/observability/logger.js';
import { FIXTURES, startTestHost, until, type TestHost } from '../helpers/host.js';

let host: TestHost | undefined;
afterEach(async () => {
  await host?.cleanup();
  host = undefined;
});

describe('browser automation with bubblewrap', () => {
  it('runs the host Chromium headless inside the sandbox on a page in the agent folder', async () => {
    host = await startTestHost(
      `
agents:
  - { id: main, main: true, sandbox: bwrap, limits: { memoryMb: 1024, pids: 512 } }
routes:
  - { chat: "mem:x", agent: main }
`,
      {
        runner: { hostDir: FIXTURES, main: 'browser-runner.mjs' },
        backendFor: async (agent) => {
          const chooser = createBackendChooser({
            config: host!.app.config,
            paths: host!.app.paths,
            logger: silentLogger(),
          });
          return chooser(agent);
        },
      },
    );
    host.channel.receive('mem:x', 'open the page');
    await until(() => host!.channel.sentTo('mem:x').length === 1, 60_000, 'the DOM');
    expect(host.channel.sentTo('mem:x')[0]).toContain('made in the sandbox and run by chromium');
  }, 90_000);
});
