/**
 * The openai runtime end to end: `omniclaw chat -m` → host → bwrap → runner → the
 * OpenAI-compatible tool loop → the gateway's /openai route (real key injected) → the fake
 * Chat Completions server. The agent's bash sees no real key; its agent tool call gets the
 * host's real answer; the reply reaches the terminal chat.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectControl, type ServerMessage } from '../../src/cli/control-client.js';
import type { App } from '../../src/app.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { createE2eWorld, omniclaw, section, startE2eApp, type E2eWorld } from './helpers.js';
import { storeDatabase } from '../../src/store/index.js';

describe('openai runtime end to end in bwrap', () => {
  let world: E2eWorld;
  let api: FakeOpenAI;
  let app: App;
  const openaiKey = `sk-openai-e2e-${randomUUID()}`;
  const keyPattern = `${openaiKey.slice(0, 16)}[${openaiKey[16]}]${openaiKey.slice(17)}`;

  beforeAll(async () => {
    world = await createE2eWorld(['main']);
    api = await startFakeOpenAI();
    app = await startE2eApp(
      world,
      'agents: [{ id: main, main: true, sandbox: bwrap, runtime: openai, model: fake-model }]',
      {},
      { openai: { baseUrl: `${api.url}/v1`, apiKey: openaiKey } },
    );
  });

  afterAll(async () => {
    await app?.stop();
    await api?.close();
    await world?.close();
  });

  it('runs bash and an agent tool in the sandbox, with the real key only on the wire to the model', async () => {
    api.script(
      {
        kind: 'tool_calls',
        calls: [
          {
            id: 'call_probe',
            name: 'bash',
            arguments: {
              command: [
                'echo "== env"; env | sort',
                'echo "== grep"',
                `timeout 120 grep -rIl -s --devices=skip --exclude-dir=proc --exclude-dir=sys --exclude-dir=node_modules -e '${keyPattern}' / | head -5`,
                'echo "grep-exit ${PIPESTATUS[0]}"',
                'echo "== end"',
              ].join('\n'),
            },
          },
        ],
      },
      {
        kind: 'tool_calls',
        calls: [{ id: 'call_send', name: 'send_message', arguments: { text: 'Working on it.' } }],
      },
      { kind: 'text', text: 'Done through the gateway.', usage: { input: 20, output: 5 } },
    );

    const chat = await omniclaw(world, ['chat', '-m', 'check the environment'], 120_000);
    expect(chat).toMatchObject({ code: 0 });
    expect(chat.stdout).toContain('Working on it.');
    expect(chat.stdout).toContain('Done through the gateway.');

    const completions = api.completions();
    expect(completions).toHaveLength(3);
    for (const request of completions) expect(request.authorization).toBe(`Bearer ${openaiKey}`);
    // The per-run token the sandbox holds was swapped for the real key at the gateway.
    expect(api.requests.map((r) => r.authorization ?? '').join('\n')).not.toContain('ocgw_');

    const toolMessages = (completions[2]!.body?.messages ?? []).filter((m) => m.role === 'tool');
    const probe = toolMessages.find((m) => m.tool_call_id === 'call_probe')?.content ?? '';
    expect(probe).toMatch(/OMNICLAW_RUN_ID=/);
    expect(probe).not.toContain(openaiKey);
    expect(probe).not.toContain(world.key);
    expect(section(probe, 'grep')).toMatch(/^\s*grep-exit [12]\s*$/);
    const sent = toolMessages.find((m) => m.tool_call_id === 'call_send')?.content ?? '';
    expect(sent).toMatch(/Sent to local:default \(message id /);

    const run = storeDatabase(app.store)
      .prepare("SELECT input_tokens, output_tokens FROM runs WHERE agent = 'main'")
      .get();
    // Usage of the three model calls (50 + 50 + 20 in, 10 + 10 + 5 out) is recorded on the run.
    expect(run).toEqual({ input_tokens: 120, output_tokens: 25 });
  }, 150_000);

  it('streams the reply to the terminal chat by default: partial texts, then the reply as their final edit', async () => {
    api.script({ kind: 'text', text: 'Streamed through the runtime.', usage: { input: 5, output: 5 } });
    const client = await connectControl(world.paths.socket);
    try {
      const received: ServerMessage[] = [];
      client.onMessage((m) => received.push(m));
      client.send({ type: 'subscribe', chat: 'local:default' });
      await vi.waitFor(() => expect(received.some((m) => m.type === 'subscribed')).toBe(true));
      client.send({ type: 'message', chat: 'local:default', text: 'say something', id: randomUUID() });
      await vi.waitFor(() => expect(received.some((m) => m.type === 'reply')).toBe(true), {
        timeout: 60_000,
      });
      const reply = received.find((m) => m.type === 'reply')!;
      const partials = received.filter((m) => m.type === 'partial');
      expect(partials.length).toBeGreaterThan(0);
      expect(String(partials[0]!.text)).toMatch(/^Stream/);
      expect(reply).toMatchObject({ text: 'Streamed through the runtime.', edit: partials[0]!.platformId });
    } finally {
      client.close();
    }
  }, 90_000);
});
