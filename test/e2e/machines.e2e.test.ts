/**
 * Two machines end to end (issue 15): the main machine (this host, in-process) and a second
 * one behind a real sshd on 127.0.0.1 with its own OmniClaw instance. An agent configured
 * to run there answers a chat message: the remote runs it in its own bwrap sandbox, the
 * openai runtime's model calls come back through the main machine's gateway (forwarded
 * over the same SSH connection) to the fake model on this side, which alone sees the real key.
 * The remote's environment, files and processes never hold a real credential.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { startTestHost, until, type TestHost } from '../helpers/host.js';
import { startRemoteMachine, type RemoteMachine } from '../helpers/sshd.js';

/** Every file under a folder, as text (sockets and other specials skipped). */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push({ path, text: readFileSync(path, 'latin1') });
  }
  return out;
}

/** Environment and command line of each process, read from /proc (a process may be gone by then). */
function processTexts(pids: number[]): string[] {
  const texts: string[] = [];
  for (const pid of pids) {
    for (const file of ['environ', 'cmdline']) {
      try {
        texts.push(readFileSync(`/proc/${pid}/${file}`, 'latin1'));
      } catch {
        // exited meanwhile
      }
    }
  }
  return texts;
}

describe('an agent on a second machine over SSH', () => {
  let remote: RemoteMachine;
  let api: FakeOpenAI;
  let host: TestHost;
  const openaiKey = `sk-openai-remote-${randomUUID()}`;
  const anthropicKey = 'sk-test-key-0123456789';

  beforeAll(async () => {
    remote = await startRemoteMachine();
    api = await startFakeOpenAI();
    host = await startTestHost(
      `
models:
  openai: { baseUrl: "${api.url}/v1", apiKey: "${openaiKey}" }
machines:
  - ${remote.entry('box', 'labels: [gpu]')}
agents:
  - { id: far, main: true, runtime: openai, model: fake-model, runsOn: { labels: [gpu] } }
routes:
  - { chat: "mem:far", agent: far, requiresTrigger: false }
`,
      { backendFor: undefined, runner: undefined, gateway: true },
    );
  });

  afterAll(async () => {
    await host?.cleanup();
    await api?.close();
    await remote?.close();
  });

  it('answers a chat message through the forwarded gateway, with no credential on the remote', async () => {
    // A health check first: /readyz probes the main agent's sandbox, which connects the
    // machine before any run does; the master it opens must carry the gateway forward too.
    const ready = await fetch(`http://127.0.0.1:${host.app.http.port}/readyz`);
    expect(((await ready.json()) as { checks: unknown }).checks).toBeDefined();
    expect(host.app.machines.status()).toMatchObject([{ name: 'box', state: 'up' }]);
    const seen: string[] = [];
    let probing = true;
    const watcher = (async () => {
      while (probing) {
        seen.push(...processTexts(remote.remotePids()));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    api.script(
      {
        kind: 'tool_calls',
        calls: [
          {
            id: 'call_probe',
            name: 'bash',
            // Long enough for the watcher to read every remote process while the run lives.
            arguments: { command: 'echo "== env"; env | sort; pwd; ls /workspace; sleep 1.5; echo "== end"' },
          },
        ],
      },
      { kind: 'text', text: 'Hello from the other machine.', usage: { input: 10, output: 4 } },
    );

    host.channel.receive('mem:far', 'who are you?');
    await until(() => host.channel.sentTo('mem:far').length > 0, 90_000, 'the remote agent’s reply');
    probing = false;
    await watcher;
    expect(host.channel.sentTo('mem:far')).toEqual(['Hello from the other machine.']);

    // Both model calls reached the fake model with the real key, injected by this side's gateway.
    const completions = api.completions();
    expect(completions).toHaveLength(2);
    for (const request of completions) expect(request.authorization).toBe(`Bearer ${openaiKey}`);

    // The agent ran on the remote: its folder there, its shell in a sandbox with the per-run token only.
    const probe = (completions[1]!.body?.messages ?? []).find((m) => m.role === 'tool')?.content ?? '';
    expect(probe).toMatch(/OMNICLAW_RUN_ID=/);
    expect(probe).toMatch(/OMNICLAW_GATEWAY_SOCKET=\/run\/omniclaw\/gateway.sock/);
    expect(probe).toContain('/workspace/agent');
    expect(existsSync(join(remote.home, 'groups', 'far'))).toBe(true);
    expect(existsSync(join(host.home, 'groups', 'far'))).toBe(false);

    // Never a real credential on the remote: not in any process's environment or command
    // line while the run lived, not in any file of its instance, not in the sandbox's env.
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.some((text) => text.includes('node') && text.includes('run'))).toBe(true);
    for (const secret of [openaiKey, anthropicKey]) {
      expect(probe).not.toContain(secret);
      expect(seen.filter((text) => text.includes(secret))).toEqual([]);
      expect(
        filesUnder(remote.home)
          .filter((f) => f.text.includes(secret))
          .map((f) => f.path),
      ).toEqual([]);
    }
    // The forwarded gateway socket lives in the remote's private run/ folder.
    const run = lstatSync(join(remote.home, 'run'));
    expect(run.mode & 0o077).toBe(0);
  }, 150_000);

  it('reports the machine in status, /readyz and /metrics', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${host.app.http.port}/metrics`)).text();
    expect(metrics).toMatch(/omniclaw_machine_up\{machine="box",state="up"\} 1/);
    const ready = (await (await fetch(`http://127.0.0.1:${host.app.http.port}/readyz`)).json()) as {
      checks: Record<string, { ok: boolean }>;
    };
    expect(JSON.stringify(ready)).toContain('machines');
  });
});
