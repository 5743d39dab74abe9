/**
 * The codex runtime end to end: `omniclaw chat -m` → host → bwrap → runner → the Codex CLI
 * (its app-server, Responses API) → the gateway's /openai route (real key injected) → the
 * fake Responses API. Codex's shell sees no real key; its omniclaw MCP tool call gets the
 * host's real answer; the reply reaches the terminal chat.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { pollUntilExited, startFakeResponses, type FakeResponses } from '../fakes/fake-responses.js';
import { createE2eWorld, omniclaw, section, startE2eApp, type E2eWorld } from './helpers.js';

/** What Codex fed back to the model: message texts and tool outputs. */
function inputTexts(body: Record<string, unknown> | undefined): string[] {
  const input = (body?.input ?? []) as { type: string; content?: { text?: string }[]; output?: unknown }[];
  return input.flatMap((item) => {
    if (item.type === 'message') return (item.content ?? []).map((c) => c.text ?? '');
    if (item.type !== 'function_call_output') return [];
    return typeof item.output === 'string'
      ? [item.output]
      : (item.output as { text?: string }[]).map((p) => p.text ?? '');
  });
}

type InputItem = { type: string; name?: string; call_id?: string; output?: unknown };

/**
 * What the shell printed: the output parts of the exec_command result and of its write_stdin
 * polls, in order. Codex hands a command back after 10 s while it still runs (a grep of / on a
 * loaded machine), so its output can arrive in several pieces.
 */
function shellOutput(body: Record<string, unknown> | undefined): string {
  const input = (body?.input ?? []) as InputItem[];
  const shellCalls = new Set(
    input
      .filter((i) => i.type === 'function_call' && (i.name === 'exec_command' || i.name === 'write_stdin'))
      .map((i) => i.call_id),
  );
  return input
    .filter((i) => i.type === 'function_call_output' && shellCalls.has(i.call_id))
    .map((i) => {
      const text = inputTexts({ input: [i] }).join('');
      const at = text.indexOf('\nOutput:\n');
      if (at < 0) throw new Error(`a shell result without "Output:": ${text}`);
      return text.slice(at + '\nOutput:\n'.length);
    })
    .join('');
}

describe('codex runtime end to end in bwrap', () => {
  let world: E2eWorld;
  let api: FakeResponses;
  let app: App;
  const openaiKey = `sk-codex-e2e-${randomUUID()}`;
  const keyPattern = `${openaiKey.slice(0, 15)}[${openaiKey[15]}]${openaiKey.slice(16)}`;

  beforeAll(async () => {
    world = await createE2eWorld(['main']);
    api = await startFakeResponses();
    app = await startE2eApp(
      world,
      'agents: [{ id: main, main: true, sandbox: bwrap, runtime: codex, model: gpt-5-codex }]',
      {},
      { openai: { baseUrl: `${api.url}/v1`, apiKey: openaiKey } },
    );
  });

  afterAll(async () => {
    await app?.stop();
    await api?.close();
    await world?.close();
  });

  it('runs a shell command and an agent tool in the sandbox, with the real key only on the wire', async () => {
    api.script(
      {
        kind: 'function_call',
        name: 'exec_command',
        arguments: {
          cmd: [
            'echo "== env"; env | sort',
            'echo "== grep"',
            // Codex runs commands with /bin/sh: no PIPESTATUS.
            `timeout 120 grep -rIl -s --devices=skip --exclude-dir=proc --exclude-dir=sys --exclude-dir=node_modules -e '${keyPattern}' / > /tmp/found.txt`,
            'echo "grep-exit $?"; head -5 /tmp/found.txt',
            'echo "== end"',
          ].join('\n'),
        },
      },
      pollUntilExited(),
      {
        kind: 'function_call',
        namespace: 'mcp__omniclaw',
        name: 'send_message',
        arguments: { text: 'Codex is on it.' },
      },
      { kind: 'text', text: 'Codex finished.' },
    );

    const chat = await omniclaw(world, ['chat', '-m', 'check the environment'], 150_000);
    expect(chat).toMatchObject({ code: 0 });
    expect(chat.stdout).toContain('Codex is on it.');
    expect(chat.stdout).toContain('Codex finished.');

    const turns = api.turns();
    const last = turns.at(-1)!.body;
    const polls = ((last?.input ?? []) as InputItem[]).filter(
      (i) => i.type === 'function_call' && i.name === 'write_stdin',
    ).length;
    // The command, one request per poll of it while it ran, the message, the final text.
    expect(turns).toHaveLength(3 + polls);
    for (const turn of turns) expect(turn.authorization).toBe(`Bearer ${openaiKey}`);
    expect(JSON.stringify(api.requests.map((r) => r.body))).not.toContain(openaiKey);

    const shell = shellOutput(last);
    expect(shell).toMatch(/PWD=\/workspace\/agent/); // it ran in the sandbox (Codex passes the shell a reduced env)
    expect(inputTexts(last).join('\n')).not.toContain(world.key);
    expect(section(shell, 'grep')).toMatch(/^\s*grep-exit [12]\s*$/);
    expect(shell).toContain('== end');
    expect(inputTexts(last).at(-1)).toMatch(/Sent to local:default \(message id /);
  }, 200_000);
});
