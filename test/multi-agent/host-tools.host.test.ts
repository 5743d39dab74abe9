/**
 * The real host replaces every placeholder of src/tools/host-provided-tools.ts: each tool,
 * called by an agent through the host's chat path, answers with its own result or refusal,
 * never with "built without it".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hostProvidedToolNames, notWiredMessage } from '../../src/tools/host-provided-tools.js';
import { HOST_TOOL_ARGS } from '../helpers/host-tool-args.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { ask, threeAgents, tool, toolAnswer } from './agents.js';

let host: TestHost | undefined;
afterEach(async () => {
  await host?.cleanup();
  host = undefined;
});

describe('the host provides every host tool', () => {
  it('answers each one itself, for the main agent and for another agent', async () => {
    host = await startTestHost(threeAgents());
    for (const name of hostProvidedToolNames)
      for (const chat of ['mem:research-chat', 'mem:main-chat']) {
        const answer = await ask(host, chat, tool(name, HOST_TOOL_ARGS[name]), toolAnswer);
        expect(answer, `${name} in ${chat}`).not.toContain(notWiredMessage(name));
        expect(answer, `${name} in ${chat}`).toMatch(/^tool (ok|error): ./);
      }
  });
});
