/**
 * `omniclaw setup` on a real pseudo-terminal with real keystrokes: the built binary runs
 * under util-linux `script` (which gives it a pty and forwards our bytes as typed keys),
 * and the test answers each @clack/prompts question as a person would — arrow keys, a typed
 * URL, Enter — choosing an OpenAI-compatible endpoint. Needs `npm run build` (dist/).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnvFile } from '../../src/config/env-file.js';
import { loadConfigFile } from '../../src/config/load.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOWN = '\x1b[B';
const ENTER = '\r';
const plain = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1b[()][A-Z0-9]/g, '');

let home: string;
let api: FakeOpenAI;
beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'omniclaw-setup-pty-'));
  api = await startFakeOpenAI({ models: ['llama3.2', 'qwen3:8b', 'mistral'] });
});
afterEach(async () => {
  await api.close();
  rmSync(home, { recursive: true, force: true });
});

/** The program on a pty: `expect(text)` waits for text after the last match, `type` sends keys. */
function onPty(command: string, env: Record<string, string>) {
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, ...env, TERM: 'xterm-256color' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let seen = 0;
  child.stdout.on('data', (chunk: Buffer) => void (screen += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => void (screen += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    screen: () => plain(screen),
    async expect(text: string, timeoutMs = 30_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const at = plain(screen).indexOf(text, seen);
        if (at >= 0) {
          seen = at + text.length;
          // Let the prompt finish drawing and put the terminal in raw mode.
          return new Promise((r) => setTimeout(r, 150));
        }
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`"${text}" never appeared; the screen was:\n${plain(screen)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async type(...keys: string[]): Promise<void> {
      for (const key of keys) {
        child.stdin.write(key);
        await new Promise((r) => setTimeout(r, 80));
      }
    },
    exited,
    kill: () => child.kill('SIGKILL'),
  };
}

describe('omniclaw setup on a terminal', () => {
  it('walks a person through choosing an OpenAI-compatible endpoint and one of its models', async () => {
    // A pty made by `script` from a pipe has no size; clack would wrap at every character.
    const pty = onPty('stty cols 100 rows 40 && node bin/omniclaw.js setup --no-service', {
      OMNICLAW_HOME: home,
      OMNICLAW_LOCAL_MODEL_URLS: 'none',
    });
    try {
      await pty.expect('Which model should answer?');
      await pty.expect('OpenAI-compatible endpoint');
      await pty.type(DOWN, DOWN, ENTER);
      await pty.expect('OpenAI-compatible endpoint URL');
      await pty.type(`${api.url}/v1`, ENTER);
      await pty.expect(`lists 3`);
      await pty.expect('mistral');
      await pty.type(DOWN, ENTER);
      await pty.expect('Connect a chat app?');
      await pty.expect('Not now');
      await pty.type(ENTER);
      await pty.expect('Start it with `omniclaw start`');
      expect(await pty.exited).toBe(0);
    } catch (err) {
      pty.kill();
      throw err;
    }
    const screen = pty.screen();
    expect(screen).toContain('✓ Node.js');
    expect(screen).toContain(`The model server at ${api.url}/v1 answers and lists 3 models.`);
    const config = loadConfigFile(join(home, 'omniclaw.yaml'), { env: readEnvFile(join(home, '.env')) });
    expect(config.models.openai?.baseUrl).toBe(`${api.url}/v1`);
    expect(config.agents.find((a) => a.main)).toMatchObject({ runtime: 'openai', model: 'qwen3:8b' });
    expect(readFileSync(join(home, 'omniclaw.yaml'), 'utf8')).toContain('# OmniClaw configuration.');
  }, 90_000);
});
