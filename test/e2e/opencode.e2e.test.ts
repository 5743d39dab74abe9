/**
 * The opencode runtime end to end, per isolating backend: `omniclaw chat -m` → host → the
 * real sandbox (bwrap, docker) → runner → the OpenCode engine (`opencode serve`) → the
 * gateway's /anthropic route (real key injected) → the fake Anthropic API. OpenCode's shell
 * sees no real key and no network but loopback; its omniclaw MCP tool call gets the host's
 * real answer; the model is the engine's only traffic; a follow-up goes into the warm engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { storeDatabase } from '../../src/store/index.js';
import { credentialOf, text, type FakeReply } from '../fakes/fake-anthropic.js';
import { createE2eWorld, omniclaw, section, startE2eApp, toolResultFor, type E2eWorld } from './helpers.js';

const toolUse = (id: string, name: string, input: unknown): FakeReply => ({
  kind: 'tool_use',
  id,
  name,
  input,
});

describe.each(['bwrap', 'docker'] as const)('opencode runtime end to end in %s', (sandbox) => {
  let world: E2eWorld;
  let app: App;

  beforeAll(async () => {
    world = await createE2eWorld(['main']);
    app = await startE2eApp(
      world,
      `agents: [{ id: main, main: true, sandbox: ${sandbox}, runtime: opencode, model: anthropic/claude-fake }]`,
    );
  });

  afterAll(async () => {
    await app?.stop();
    await world?.close();
  });

  it('runs a shell command and an agent tool in the sandbox, with the real key only on the wire', async () => {
    const shellId = `toolu_oc_shell_${sandbox}`;
    const sendId = `toolu_oc_send_${sandbox}`;
    world.model.script(
      toolUse(shellId, 'bash', {
        description: 'look around',
        command: [
          'echo "== env"; env | sort',
          'echo "== grep"',
          `timeout 120 grep -rIl -s --devices=skip --exclude-dir=proc --exclude-dir=sys --exclude-dir=node_modules -e '${world.keyPattern}' / | head -5`,
          'echo "grep-exit ${PIPESTATUS[0]}"',
          'echo "== interfaces"; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "',
          'echo "== end"',
        ].join('\n'),
      }),
      toolUse(sendId, 'omniclaw_send_message', { text: 'OpenCode is on it.' }),
      text('OpenCode finished.'),
    );

    const chat = await omniclaw(world, ['chat', '-m', 'check the environment'], 240_000);
    expect(chat, chat.stdout + chat.stderr).toMatchObject({ code: 0 });
    expect(chat.stdout).toContain('OpenCode is on it.');
    expect(chat.stdout).toContain('OpenCode finished.');

    const shell = await toolResultFor(world.model, shellId);
    expect(shell.text).toMatch(/PWD=\/workspace\/agent/);
    expect(shell.text).not.toContain(world.key);
    expect(section(shell.text, 'grep')).toMatch(/^\s*grep-exit [12]\s*$/);
    expect(section(shell.text, 'interfaces').trim()).toBe('lo');
    const sent = await toolResultFor(world.model, sendId);
    expect(sent.text).toMatch(/Sent to local:default \(message id /);

    // The model is the engine's only traffic, and it carried the real key (the gateway's).
    expect(world.model.requests.length).toBeGreaterThan(0);
    for (const request of world.model.requests) {
      expect(`${request.method} ${request.path}`).toBe('POST /v1/messages');
      expect(credentialOf(request)).toBe(world.key);
    }
  }, 300_000);

  it('takes a follow-up in the warm engine: the same run, the earlier conversation in context', async () => {
    world.model.script(text('Second answer from the warm OpenCode.'));
    const chat = await omniclaw(world, ['chat', '-m', 'and one more thing'], 120_000);
    expect(chat).toMatchObject({ code: 0 });
    expect(chat.stdout).toContain('Second answer from the warm OpenCode.');
    const last = world.model.modelRequests().at(-1)!;
    expect(JSON.stringify(last.messages)).toContain('OpenCode finished.');
    expect(JSON.stringify(last.messages)).toContain('and one more thing');
    const runs = storeDatabase(app.store).prepare("SELECT id FROM runs WHERE agent = 'main'").all();
    expect(runs).toHaveLength(1);
  }, 150_000);
});
