/**
 * First start: the default config picks the model it can use. Local servers are faked on
 * 127.0.0.1:0; the real Ollama / LM Studio ports are never asked.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defaultConfigText,
  detectModel,
  ensureConfig,
  LOCAL_MODEL_SERVERS,
  localModelServers,
  type ModelChoice,
} from '../../src/config/init.js';
import { instancePaths } from '../../src/config/paths.js';
import { parseConfigText } from '../../src/config/load.js';

/** A tiny OpenAI-compatible server: GET /v1/models answers what the test says. */
async function fakeModelServer(
  answer: (res: ServerResponse) => void,
): Promise<{ baseUrl: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.url === '/v1/models') answer(res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/v1`, server, requests };
}

const json = (body: unknown) => (res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
async function deadBaseUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}/v1`;
}

describe('local model server list', () => {
  it.each([
    ['unset: the usual ports', undefined, LOCAL_MODEL_SERVERS.map((s) => s.baseUrl)],
    ['"none": nothing', 'none', []],
    ['empty: nothing', '', []],
    [
      'a list, trailing slashes removed',
      ' http://127.0.0.1:9/v1/ , http://127.0.0.1:10/v1',
      ['http://127.0.0.1:9/v1', 'http://127.0.0.1:10/v1'],
    ],
  ])('%s', (_what, value, expected) => {
    expect(localModelServers({ OMNICLAW_LOCAL_MODEL_URLS: value }).map((s) => s.baseUrl)).toEqual(expected);
  });
});

describe('model detection', () => {
  const servers: Server[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'omniclaw-init-'));
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections(); // the hanging server still holds the aborted request
      await new Promise((r) => s.close(r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('prefers an Anthropic API key, then an OAuth token, without asking any server', async () => {
    const fake = await fakeModelServer(json({ data: [{ id: 'llama3' }] }));
    servers.push(fake.server);
    const list = [{ name: 'fake', baseUrl: fake.baseUrl }];
    expect(await detectModel({ ANTHROPIC_API_KEY: 'sk-x' }, list)).toEqual({
      kind: 'anthropic',
      via: 'ANTHROPIC_API_KEY',
    });
    expect(await detectModel({ CLAUDE_CODE_OAUTH_TOKEN: 'tok' }, list)).toEqual({
      kind: 'anthropic',
      via: 'CLAUDE_CODE_OAUTH_TOKEN',
    });
    expect(fake.requests).toEqual([]);
  });

  it('finds a local OpenAI-compatible server and its first model', async () => {
    const fake = await fakeModelServer(
      json({ object: 'list', data: [{ id: 'qwen2.5:7b' }, { id: 'other' }] }),
    );
    servers.push(fake.server);
    const choice = await detectModel({}, [{ name: 'Fake Ollama', baseUrl: fake.baseUrl }]);
    expect(choice).toEqual({
      kind: 'local',
      name: 'Fake Ollama',
      baseUrl: fake.baseUrl,
      model: 'qwen2.5:7b',
    });
    expect(fake.requests).toEqual(['GET /v1/models']);
  });

  it('skips servers that are down, failing, hanging or answering nonsense', async () => {
    const failing = await fakeModelServer((res) => res.writeHead(500).end('boom'));
    const nonsense = await fakeModelServer((res) => res.writeHead(200).end('<html>not json'));
    const empty = await fakeModelServer(json({ data: [] }));
    const wrongShape = await fakeModelServer(json({ data: [{ name: 'no id' }, { id: 42 }] }));
    const hanging = await fakeModelServer(() => undefined);
    const good = await fakeModelServer(json({ data: [{ id: 'the-one' }] }));
    servers.push(
      failing.server,
      nonsense.server,
      empty.server,
      wrongShape.server,
      hanging.server,
      good.server,
    );
    const list = [
      { name: 'dead', baseUrl: await deadBaseUrl() },
      { name: 'failing', baseUrl: failing.baseUrl },
      { name: 'nonsense', baseUrl: nonsense.baseUrl },
      { name: 'empty', baseUrl: empty.baseUrl },
      { name: 'wrong shape', baseUrl: wrongShape.baseUrl },
      { name: 'hanging', baseUrl: hanging.baseUrl },
      { name: 'good', baseUrl: good.baseUrl },
    ];
    const started = Date.now();
    const choice = await detectModel({}, list, 300);
    expect(choice).toMatchObject({ kind: 'local', name: 'good', model: 'the-one' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('finds nothing when nothing answers', async () => {
    expect(await detectModel({}, [{ name: 'dead', baseUrl: await deadBaseUrl() }])).toEqual({ kind: 'none' });
    expect(await detectModel({}, [])).toEqual({ kind: 'none' });
  });

  it('writes a commented config that uses runtime openai with the detected model', async () => {
    const fake = await fakeModelServer(json({ data: [{ id: 'llama3.2:3b' }] }));
    servers.push(fake.server);
    const paths = instancePaths(join(dir, 'local-home'));
    const choice = await ensureConfig(
      paths,
      {},
      localModelServers({ OMNICLAW_LOCAL_MODEL_URLS: fake.baseUrl }),
    );
    expect(choice).toMatchObject({ kind: 'local', model: 'llama3.2:3b', baseUrl: fake.baseUrl });
    expect(statSync(paths.config).mode & 0o777).toBe(0o600);
    expect(statSync(paths.home).mode & 0o777).toBe(0o700);
    const text = readFileSync(paths.config, 'utf8');
    expect(text).toMatch(/^# OmniClaw configuration/);
    const config = parseConfigText(text, paths.config, { env: {} });
    expect(config.models.openai?.baseUrl).toBe(fake.baseUrl);
    expect(config.agents).toEqual([
      expect.objectContaining({ id: 'main', main: true, runtime: 'openai', model: 'llama3.2:3b' }),
    ]);
    expect(config.routes.map((r) => r.chat)).toContain('local:default');
  });

  it('never overwrites an existing config', async () => {
    const paths = instancePaths(join(dir, 'existing-home'));
    await ensureConfig(paths, {}, []);
    writeFileSync(paths.config, 'http: { port: 1234 }\n');
    expect(await ensureConfig(paths, { ANTHROPIC_API_KEY: 'sk-x' }, [])).toBeUndefined();
    expect(readFileSync(paths.config, 'utf8')).toBe('http: { port: 1234 }\n');
  });
});

describe('the default config text', () => {
  const choices: { choice: ModelChoice; env: Record<string, string>; check: (text: string) => void }[] = [
    {
      choice: { kind: 'anthropic', via: 'ANTHROPIC_API_KEY' },
      env: { ANTHROPIC_API_KEY: 'sk-ant-secret-value' },
      check: (text) => expect(text).toContain('apiKey: ${ANTHROPIC_API_KEY}'),
    },
    {
      choice: { kind: 'anthropic', via: 'CLAUDE_CODE_OAUTH_TOKEN' },
      env: { CLAUDE_CODE_OAUTH_TOKEN: 'oauth-secret-value' },
      check: (text) => expect(text).toContain('oauthToken: ${CLAUDE_CODE_OAUTH_TOKEN}'),
    },
    {
      choice: { kind: 'none' },
      env: {},
      check: (text) => expect(text).toContain('Put ANTHROPIC_API_KEY=sk-ant-... in .env'),
    },
  ];

  it.each(choices)(
    'is valid for $choice.kind $choice.via and holds no secret value',
    ({ choice, env, check }) => {
      const text = defaultConfigText(choice);
      check(text);
      for (const value of Object.values(env)) expect(text).not.toContain(value);
      const config = parseConfigText(text, 'omniclaw.yaml', { env });
      expect(config.agents[0]).toMatchObject({ id: 'main', main: true, runtime: 'claude' });
      expect(config.routes.some((r) => r.chat === 'local:default' && r.agent === 'main')).toBe(true);
    },
  );
});
