/** Shared by the multi-agent host tests: three agents, and a turn that waits for its answer. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentFolder, instancePaths } from '../../src/config/paths.js';
import { until, type TestHost } from '../helpers/host.js';

/** main, research and other, each with a chat of its own (research and other answer without a trigger). */
export const threeAgents = (extra = ''): string => `
agents:
  - { id: main, main: true, sandbox: none }
  - { id: research, name: Research, sandbox: none }
  - { id: other, name: Other, sandbox: none }
routes:
  - { chat: "mem:main-chat", agent: main }
  - { chat: "mem:research-chat", agent: research, requiresTrigger: false }
  - { chat: "mem:other-chat", agent: other, requiresTrigger: false }
${extra}`;

/** The echo runner's command to call a host tool and reply with its result. */
export const tool = (name: string, args: unknown): string => `!tool:${name}:${JSON.stringify(args)}`;

/** Sends `text` into `chat` and waits for the first new message there that `pick` accepts. */
export async function ask(
  host: TestHost,
  chat: string,
  text: string,
  pick: (sent: string) => boolean = () => true,
): Promise<string> {
  const before = host.channel.sentTo(chat).length;
  host.channel.receive(chat, text);
  return until(() => host.channel.sentTo(chat).slice(before).find(pick), 20_000, text);
}

/** threeAgents with research → main paired for delegate_task, and `extra` under multiAgent. */
export const pairedAgents = (extra = ''): string =>
  threeAgents(`
multiAgent:
  delegate:
    - { from: research, to: main }
${extra}`);

/** A tool result (not an echo) in the chat. */
export const toolAnswer = (t: string): boolean => t.startsWith('tool ');

/** The first message in `chat` (after the first `before`) that mentions `what`. */
export const seenIn = (host: TestHost, chat: string, what: string | RegExp, before = 0): Promise<string> =>
  until(
    () =>
      host.channel
        .sentTo(chat)
        .slice(before)
        .find((t) => (typeof what === 'string' ? t.includes(what) : what.test(t))),
    20_000,
    String(what),
  );

/** The agent's folder on the host. */
export const folderOf = (host: TestHost, agent: string): string =>
  agentFolder(instancePaths(host.home), agent);

/** Writes `text` as `path` in the agent's folder (as the agent would, from inside). */
export function writeIn(host: TestHost, agent: string, path: string, text: string): void {
  mkdirSync(join(folderOf(host, agent), path, '..'), { recursive: true });
  writeFileSync(join(folderOf(host, agent), path), text);
}
