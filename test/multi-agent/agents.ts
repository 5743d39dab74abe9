/** Shared by the multi-agent host tests: three agents, and a turn that waits for its answer. */
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
