/**
 * The real runner with the real Claude Agent SDK engine against a fake Messages API on
 * 127.0.0.1: tools, resume and memory in detail (a warm follow-up is the runtime contract's,
 * runner/test/contract/).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  conversationText,
  credentialOf,
  lastUserText,
  text,
  toolUse,
} from '../../../test/fakes/fake-anthropic.js';
import { answerToolCalls, startCommand, type RunnerHandle } from './runner-harness.js';
import { claudeRunnerFixture } from './claude-fixture.js';

const t = claudeRunnerFixture();
const launch = (env: Record<string, string> = {}): RunnerHandle => t.launch(env);

describe('claude runtime in the runner', () => {
  it('runs Bash, calls send_message through the host, then replies, in order', async () => {
    t.fake.script(
      toolUse('Bash', { command: 'echo from-bash', description: 'echo' }, 'Let me check.'),
      toolUse('mcp__omniclaw__send_message', { text: 'on my way' }),
      text('All done.'),
    );
    const runner = launch();
    answerToolCalls(runner, (name, args) => ({
      ok: true,
      content: `delivered ${name} ${JSON.stringify(args)}`,
    }));
    runner.send(startCommand(t.ws, t.fake.url, { prompt: 'please work' }));

    const done = await runner.waitFor('done');
    const types = runner.events.map((e) => e.type).filter((type) => type !== 'delta');
    // The engine's partial messages stream as deltas: a reset per model call, then its text.
    const deltas = runner.events.filter((e) => e.type === 'delta');
    expect(deltas.filter((e) => e.reset)).toHaveLength(3);
    const lastReset = deltas.map((e) => e.reset === true).lastIndexOf(true);
    expect(
      deltas
        .slice(lastReset)
        .map((e) => e.text)
        .join(''),
    ).toBe('All done.');
    expect(types).toEqual([
      'ready',
      'session',
      'progress',
      'progress',
      'progress',
      'tool_call',
      'reply',
      'done',
    ]);
    expect(runner.events.filter((e) => e.type === 'progress')).toEqual([
      { type: 'progress', turnId: 'turn-1', kind: 'text', text: 'Let me check.' },
      { type: 'progress', turnId: 'turn-1', kind: 'tool', text: 'Bash: echo from-bash' },
      { type: 'progress', turnId: 'turn-1', kind: 'tool', text: 'omniclaw.send_message' },
    ]);
    expect(runner.events.find((e) => e.type === 'tool_call')).toMatchObject({
      turnId: 'turn-1',
      name: 'send_message',
      args: { text: 'on my way' },
    });
    expect(await runner.waitFor('reply')).toEqual({ type: 'reply', turnId: 'turn-1', text: 'All done.' });
    expect(done.turnId).toBe('turn-1');
    expect(done.usage).toMatchObject({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
    expect(done.usage?.costUsd).toBeGreaterThan(0);

    const requests = t.fake.modelRequests();
    expect(requests).toHaveLength(3);
    expect(conversationText(requests[1]!)).toContain('from-bash'); // Bash really ran
    expect(conversationText(requests[2]!)).toContain('delivered send_message {\\"text\\":\\"on my way\\"}');
    const offered = requests[0]!.tools?.map((t) => t.name);
    expect(offered).toContain('mcp__omniclaw__send_message');
    expect(offered).toContain('Bash');
    // Scheduling goes through OmniClaw's own scheduler, not engine timers that die with the run.
    expect(offered).not.toContain('ScheduleWakeup');
    expect(JSON.stringify(requests[0])).not.toContain('CronCreate');
    // Only the per-run token ever reaches the model API.
    expect(new Set(t.fake.requests.map(credentialOf))).toEqual(new Set(['run-token-abc']));
    expect(runner.garbage).toEqual([]);

    runner.send({ type: 'stop' });
    expect((await runner.exited).code).toBe(0);
  });

  it('gives the model the host error when a tool call fails', async () => {
    t.fake.script(toolUse('mcp__omniclaw__send_message', { text: 'hi' }), text('Sorry, that failed.'));
    const runner = launch();
    answerToolCalls(runner, () => ({ ok: false, content: 'chat 123 is not yours to write to' }));
    runner.send(startCommand(t.ws, t.fake.url));
    await runner.waitFor('done');
    const second = conversationText(t.fake.modelRequests()[1]!);
    expect(second).toContain('chat 123 is not yours to write to');
    expect(second).toContain('"is_error":true');
  });

  it('resumes the session after a restart with the earlier conversation', async () => {
    t.fake.script(text('I will remember the word pelican.'), text('The word was pelican.'));
    const first = launch();
    first.send(startCommand(t.ws, t.fake.url, { prompt: 'remember the word pelican' }));
    const { sessionId } = await first.waitFor('session');
    const firstCost = (await first.waitFor('done')).usage?.costUsd;
    first.send({ type: 'stop' });
    expect((await first.exited).code).toBe(0);

    const second = launch();
    second.send(
      startCommand(t.ws, t.fake.url, { runId: 'run-2', turnId: 'turn-9', prompt: 'which word?', sessionId }),
    );
    expect(await second.waitFor('reply')).toMatchObject({ turnId: 'turn-9', text: 'The word was pelican.' });
    expect((await second.waitFor('session')).sessionId).toBe(sessionId); // the same session goes on
    // Billed for this run's turn only, not again for the first run's.
    const secondCost = (await second.waitFor('done')).usage?.costUsd;
    expect(firstCost).toBeGreaterThan(0);
    expect(secondCost).toBeGreaterThan(0);
    expect(secondCost!).toBeLessThan(firstCost! * 1.5);
    const resumed = t.fake.modelRequests()[1]!;
    expect(conversationText(resumed)).toContain('remember the word pelican');
    expect(conversationText(resumed)).toContain('I will remember the word pelican.');
    expect(lastUserText(resumed)).toContain('which word?');
  });

  it('reports a session that cannot be resumed as sessionInvalid', async () => {
    const runner = launch();
    runner.send(startCommand(t.ws, t.fake.url, { sessionId: '0b6f9a52-1d1c-4d55-9d7e-3f0d0a0f4e11' }));
    const error = await runner.waitFor('error');
    expect(error).toMatchObject({ fatal: true, sessionInvalid: true, turnId: 'turn-1' });
    expect(error.message).toMatch(/cannot be resumed/);
    expect((await runner.exited).code).not.toBe(0);
    expect(t.fake.modelRequests()).toHaveLength(0);
  });

  it('loads global, server and agent memory and keeps engine state under the state dir', async () => {
    writeFileSync(join(t.ws.globalDir, 'CLAUDE.md'), 'GLOBAL-MEMORY: the user likes tea.');
    writeFileSync(join(t.ws.serverDir, 'CLAUDE.md'), 'SERVER-MEMORY: this guild is about birds.');
    writeFileSync(join(t.ws.agentDir, 'CLAUDE.md'), 'AGENT-MEMORY: you are Andy.');
    const runner = launch();
    runner.send(
      startCommand(t.ws, t.fake.url, {
        workspace: {
          agentDir: t.ws.agentDir,
          globalDir: t.ws.globalDir,
          serverDir: t.ws.serverDir,
          extraDirs: [],
          stateDir: t.ws.stateDir,
        },
        systemPrompt: 'APPENDED-SYSTEM-PROMPT',
      }),
    );
    await runner.waitFor('done');
    const request = t.fake.modelRequests()[0]!;
    const everything = JSON.stringify(request);
    expect(everything).toContain('GLOBAL-MEMORY: the user likes tea.');
    expect(everything).toContain('SERVER-MEMORY: this guild is about birds.');
    expect(everything).toContain('AGENT-MEMORY: you are Andy.');
    expect(JSON.stringify(request.system)).toContain('APPENDED-SYSTEM-PROMPT');
    // Sessions live in the agent's state dir, not in a home directory.
    expect(readdirSync(join(t.ws.stateDir, 'claude'))).toContain('projects');
  });

  it('reaches the model through the gateway socket when one is mounted', async () => {
    // Stand-in for the host gateway: a Unix socket that pipes to the fake model server.
    const fakePort = Number(new URL(t.fake.url).port);
    const socketPath = join(t.ws.root, 'gateway.sock');
    const connections: Socket[] = [];
    const gateway = createServer((client) => {
      connections.push(client);
      const upstream = connect(fakePort, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => gateway.listen(socketPath, resolve));
    const port = await freePort();
    try {
      t.fake.script(text('Through the gateway.'));
      const runner = launch({ OMNICLAW_GATEWAY_SOCKET: socketPath, OMNICLAW_GATEWAY_PORT: String(port) });
      runner.send(startCommand(t.ws, `http://127.0.0.1:${port}`));
      expect(await runner.waitFor('reply')).toMatchObject({ text: 'Through the gateway.' });
      expect(connections.length).toBeGreaterThan(0);
      expect(t.fake.modelRequests()).toHaveLength(1);
      await runner.close();
    } finally {
      for (const c of connections) c.destroy();
      await new Promise((resolve) => gateway.close(resolve));
    }
  });

  it("mounts the agent's own stdio MCP server beside the built-in tools", async () => {
    const plugin = [
      `import { McpServer } from ${JSON.stringify(MCP_SERVER_MODULE)};`,
      `import { StdioServerTransport } from ${JSON.stringify(MCP_STDIO_MODULE)};`,
      `import { ListToolsRequestSchema, CallToolRequestSchema } from ${JSON.stringify(MCP_TYPES_MODULE)};`,
      `const s = new McpServer({ name: 'notes', version: '1' }, { capabilities: { tools: {} } });`,
      `s.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [{ name: 'lookup', description: 'Look up a note', inputSchema: { type: 'object', properties: { key: { type: 'string' } } } }] }));`,
      `s.server.setRequestHandler(CallToolRequestSchema, (r) => ({ content: [{ type: 'text', text: 'note for ' + r.params.arguments.key + ': buy milk' }] }));`,
      `await s.connect(new StdioServerTransport());`,
    ].join('\n');
    t.fake.script(toolUse('mcp__notes__lookup', { key: 'shopping' }), text('You need milk.'));
    const runner = launch();
    runner.send(
      startCommand(t.ws, t.fake.url, {
        mcpServers: {
          notes: {
            type: 'stdio',
            command: process.execPath,
            args: ['--input-type=module', '-e', plugin],
            env: {},
          },
        },
      }),
    );
    expect(await runner.waitFor('reply')).toMatchObject({ text: 'You need milk.' });
    expect(conversationText(t.fake.modelRequests()[1]!)).toContain('note for shopping: buy milk');
  });
});

const MCP_SERVER_MODULE = fileURLToPath(import.meta.resolve('@modelcontextprotocol/sdk/server/mcp.js'));
const MCP_STDIO_MODULE = fileURLToPath(import.meta.resolve('@modelcontextprotocol/sdk/server/stdio.js'));
const MCP_TYPES_MODULE = fileURLToPath(import.meta.resolve('@modelcontextprotocol/sdk/types.js'));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
