/**
 * The layer rule of eslint/layers.js, run through ESLint itself on made-up files placed in
 * the real tree: each forbidden import fails the lint, and each allowed one passes, so
 * the rule can neither rot into a no-op nor forbid what the design allows.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the layer rule', () => {
  it.each([
    ['src/store/probe.ts', "import { AgentRun } from '../core/agent-run.js';", 'store above core'],
    [
      'src/store/migrations/probe.ts',
      "import { Outbox } from '../../core/outbox.js';",
      'store (nested) above core',
    ],
    ['src/domain/probe.ts', "import type { Store } from '../store/index.js';", 'domain above store'],
    [
      'src/protocol/probe.ts',
      "import type { Channel } from '../domain/channel.js';",
      'protocol above domain',
    ],
    [
      'src/core/probe.ts',
      "import { createTelegramChannel } from '../channels/telegram/index.js';",
      'core on an adapter',
    ],
    ['src/channels/probe.ts', "import { Outbox } from '../core/outbox.js';", 'an adapter on core'],
    ['src/config/probe.ts', "import { loadPlugins } from '../tools/plugins.js';", 'config above tools'],
    ['src/core/probe.ts', "import { startApp } from '../app.js';", 'core on the composition root'],
    ['src/app.ts', "import { main } from './cli/main.js';", 'app.ts on the CLI'],
    ['runner/src/probe.ts', "import { Outbox } from '../../src/core/outbox.js';", 'the runner on the host'],
    [
      'runner/src/runtimes/probe.ts',
      "import type { Config } from '../../../src/config/normalise.js';",
      'the runner (nested) on the host',
    ],
    ['src/core/probe.ts', "import { runAgent } from '../../runner/src/run.js';", 'the host on the runner'],
    ['src/core/probe.ts', "import OpenAI from 'openai';", 'the host on a model SDK'],
    [
      'src/core/probe.ts',
      "import { createOpencodeClient } from '@opencode-ai/sdk/v2/client';",
      'the host on the OpenCode SDK',
    ],
    ['src/core/probe.ts', "import { storeDatabase } from '../store/index.js';", 'core on the raw database'],
    ['src/cli/probe.ts', "import { storeDatabase } from '../store/index.js';", 'the CLI on the raw database'],
    [
      'src/channels/probe.ts',
      "import { query } from '@anthropic-ai/claude-agent-sdk';",
      'an adapter on a model SDK',
    ],
  ])('%s: %s fails (%s)', async (file, code) => {
    expect(await restrictedImports(file, `${code}\nexport {};\n`)).toHaveLength(1);
  });

  it.each([
    ['src/store/probe.ts', "import type { InboundMessage } from '../domain/channel.js';"],
    ['src/core/probe.ts', "import { openStore, type Store } from '../store/index.js';"],
    ['src/channels/probe.ts', "import type { ControlSocket } from '../transport/control-socket.js';"],
    ['src/app.ts', "import { createChannels } from './channels/registry.js';"],
    ['src/cli/probe.ts', "import type { App } from '../app.js';"],
    ['runner/src/probe.ts', "import { readLines } from '../../src/protocol/line-reader.js';"],
    ['runner/src/runtimes/probe.ts', "import { readLines } from '../../../src/protocol/line-reader.js';"],
    ['runner/src/runtimes/probe.ts', "import { bashTool } from '../tools/bash.js';"],
    ['runner/src/runtimes/probe.ts', "import { query } from '@anthropic-ai/claude-agent-sdk';"],
  ])('%s: %s passes', async (file, code) => {
    expect(await restrictedImports(file, `${code}\nexport {};\n`)).toEqual([]);
  });
});
