/**
 * `omniclaw chat`: the terminal chat. Interactive by default; `-m TEXT` sends one message,
 * prints the reply and exits 0 (non-zero with a clear message when the daemon is not
 * running or the agent failed).
 */
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { isTerminalChatId, terminalChatId } from '../core/named-local-chats.js';
import { StreamedReplyPrinter } from './streamed-reply.js';
import { connectControl, type ControlConnection, type ServerMessage } from './control-client.js';
import { cliContext, fail, loadConfig } from './context.js';

interface ChatOptions {
  agent?: string;
  chat?: string;
  message?: string;
  timeout: string;
}

export function registerChat(program: Command): void {
  program
    .command('chat')
    .description('talk to an agent in the terminal')
    .option('-a, --agent <id>', 'the agent to talk to (default: the main agent)')
    .option('-c, --chat <name>', 'a separate named conversation, with its own history (e.g. -c work)')
    .option('-m, --message <text>', 'send one message, print the reply and exit')
    .option('-t, --timeout <seconds>', 'with -m: give up after this long', '600')
    .action(async (options: ChatOptions) => {
      const context = cliContext();
      const { paths } = context;
      const chat = terminalChatId(options);
      if (!isTerminalChatId(chat)) {
        return fail(
          `the chat name "${options.chat}" is too long or has other characters than letters, digits, - and _`,
          2,
        );
      }
      // Without a config file (a daemon started in-process by a test or an embedder) the daemon's answer is the truth.
      const unknown = existsSync(paths.config)
        ? unknownAgentProblem(options.agent, () => loadConfig(context).agents.map((a) => a.id))
        : undefined;
      if (unknown) return fail(unknown, 2);
      const timeoutSeconds = Number(options.timeout);
      if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
        return fail(`--timeout must be a number of seconds, not "${options.timeout}"`, 2);
      }
      let conn: ControlConnection;
      try {
        conn = await connectControl(paths.socket);
      } catch (err) {
        return fail((err as Error).message, 3);
      }
      try {
        await subscribe(conn, chat);
      } catch (err) {
        conn.close();
        return fail((err as Error).message, 3);
      }
      if (options.message !== undefined) await oneShot(conn, chat, options.message, timeoutSeconds * 1000);
      else await interactive(conn, chat);
    });
}

/** `--agent nosuch`: say which agents there are, rather than that no route leads there. */
export function unknownAgentProblem(agent: string | undefined, agentIds: () => string[]): string | undefined {
  if (agent === undefined) return undefined;
  let ids: string[];
  try {
    ids = agentIds();
  } catch {
    return undefined; // a broken config: the daemon's answer says more than we can here
  }
  if (ids.includes(agent)) return undefined;
  return `there is no agent "${agent}". The agents are: ${ids.join(', ')}. Try \`omniclaw chat --agent ${ids[0] ?? 'main'}\`.`;
}

function subscribe(conn: ControlConnection, chat: string): Promise<void> {
  return new Promise((resolve, reject) => {
    conn.onMessage((m) => {
      if (m.type === 'subscribed') resolve();
      else if (m.type === 'error') reject(new Error(String(m.message)));
    });
    // Resolved already if subscribed; otherwise the daemon went away first.
    void conn.closed.then(() =>
      reject(new Error('the daemon closed the connection before the chat was ready')),
    );
    conn.send({ type: 'subscribe', chat });
  });
}

async function oneShot(
  conn: ControlConnection,
  chat: string,
  text: string,
  timeoutMs: number,
): Promise<void> {
  const id = randomUUID();
  // The daemon tells a failure twice: as the chat's reply (the apology) and as 'failed'.
  // Printed once: as the reply on stdout, or on stderr when no reply carried it.
  const printed = new Set<string>();
  // Piped output gets the final reply only (what scripts read); a terminal sees it as written.
  const streamed = process.stdout.isTTY ? new StreamedReplyPrinter() : undefined;
  const code = await new Promise<number>((resolve) => {
    let accepted = false;
    let working = false;
    const timer = setTimeout(() => {
      process.stderr.write(
        `omniclaw: no answer within ${timeoutMs / 1000} s (the agent may still answer later)\n`,
      );
      resolve(4);
    }, timeoutMs);
    let finished = false;
    const finish = (c: number): void => {
      finished = true;
      clearTimeout(timer);
      resolve(c);
    };
    conn.onMessage((m: ServerMessage) => {
      switch (m.type) {
        case 'accepted':
          if (m.id === id) accepted = true;
          return;
        case 'rejected':
          if (m.id === id) {
            process.stderr.write(`omniclaw: message not accepted: ${String(m.reason)}\n`);
            finish(2);
          }
          return;
        case 'working':
          // May arrive before 'accepted': the daemon starts work while it accepts the message.
          working = true;
          return;
        case 'progress':
          if (process.stderr.isTTY) process.stderr.write(`\x1b[2m… ${String(m.text)}\x1b[0m\n`);
          return;
        case 'partial':
          if (streamed) process.stdout.write(streamed.partial(String(m.platformId), String(m.text)));
          return;
        case 'reply': {
          printed.add(String(m.text));
          const rest = streamed?.final(optionalString(m.edit), String(m.text));
          if (rest !== undefined) process.stdout.write(rest);
          else if (m.text) process.stdout.write(`${String(m.text)}\n`);
          for (const file of fileList(m.files)) process.stdout.write(`📎 ${file}\n`);
          return;
        }
        case 'idle':
          if (accepted && working) finish(0);
          return;
        case 'failed':
          if (accepted) {
            if (!printed.has(String(m.error)))
              process.stderr.write(`omniclaw: the agent could not answer: ${String(m.error)}\n`);
            finish(1);
          }
          return;
        case 'error':
          process.stderr.write(`omniclaw: ${String(m.message)}\n`);
          finish(2);
          return;
      }
    });
    void conn.closed.then(() => {
      if (finished) return;
      process.stderr.write('omniclaw: the daemon closed the connection (did it stop?)\n');
      finish(3);
    });
    conn.send({ type: 'message', chat, text, id });
  });
  conn.close();
  process.exitCode = code;
}

async function interactive(conn: ControlConnection, chat: string): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'you › ' });
  const dim = (s: string): string => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
  process.stdout.write(dim(`Connected to ${chat}. Type a message; Ctrl-D to leave.\n`));
  const print = (text: string): void => {
    process.stdout.write(`\r\x1b[K${text}\n`);
    rl.prompt(true);
  };
  const replies = new Set<string>();
  const streamed = new StreamedReplyPrinter();
  conn.onMessage((m) => {
    if (m.type === 'partial') {
      if (!streamed.open) process.stdout.write('\r\x1b[K');
      process.stdout.write(streamed.partial(String(m.platformId), String(m.text), 'agent › '));
    } else if (m.type === 'reply') {
      replies.add(String(m.text));
      const rest = streamed.final(optionalString(m.edit), String(m.text), 'agent › ');
      if (rest !== undefined) {
        process.stdout.write(rest);
        rl.prompt(true);
      } else if (m.text) print(`agent › ${String(m.text)}`);
      for (const file of fileList(m.files)) print(`agent › 📎 ${file}`);
    } else if (m.type === 'working') print(dim('… working'));
    else if (m.type === 'progress') print(dim(`… ${String(m.text)}`));
    // A failure already shown as the agent's reply (the apology) is not shown again.
    else if (m.type === 'failed' && !replies.has(String(m.error)))
      print(`agent could not answer: ${String(m.error)}`);
    else if (m.type === 'rejected') print(`not accepted: ${String(m.reason)}`);
    else if (m.type === 'error') print(`error: ${String(m.message)}`);
  });
  let leaving = false;
  void conn.closed.then(() => {
    if (leaving) return; // our own close at end of input, not the daemon going away
    print('the daemon closed the connection.');
    process.exit(3);
  });
  rl.prompt();
  for await (const line of rl) {
    if (line.trim()) conn.send({ type: 'message', chat, text: line, id: randomUUID() });
    rl.prompt();
  }
  leaving = true;
  // Ctrl-D leaves the cursor after the prompt: end the line so the shell prompt starts clean.
  process.stdout.write('\n');
  conn.close();
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The host paths of the files a reply carried (the terminal chat runs on the same machine). */
function fileList(files: unknown): string[] {
  return Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string') : [];
}
