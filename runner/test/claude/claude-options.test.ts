/**
 * What the Claude engine is started with: credentials, paths, memory directories, plugins.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type StartCommand } from '../../../src/protocol/runner-protocol.js';
import {
  additionalDirectories,
  baseOptions,
  engineEnv,
  pluginMcpServers,
} from '../../src/runtimes/claude-options.js';

const start = (overrides: Partial<StartCommand> = {}): StartCommand => ({
  type: 'start',
  v: PROTOCOL_VERSION,
  runId: 'r',
  turnId: 't',
  agent: { id: 'a', name: 'Andy', main: false },
  runtime: 'claude',
  model: 'claude-sonnet-4-5',
  prompt: 'hi',
  workspace: { agentDir: '/workspace/agent', extraDirs: [], stateDir: '/state' },
  endpoints: { anthropic: { baseUrl: 'http://127.0.0.1:3128/anthropic', token: 'run-token' } },
  tools: [],
  mcpServers: {},
  ...overrides,
});

describe('engineEnv', () => {
  it('uses the run token and gateway URL and drops every inherited credential', () => {
    const env = engineEnv(start(), {
      PATH: '/bin',
      ANTHROPIC_API_KEY: 'sk-real',
      ANTHROPIC_AUTH_TOKEN: 'real-auth',
      CLAUDE_CODE_OAUTH_TOKEN: 'oauth',
      OPENAI_API_KEY: 'sk-openai',
      CLAUDE_CODE_MAX_RETRIES: '1',
    });
    expect(env).toMatchObject({
      PATH: '/bin',
      ANTHROPIC_API_KEY: 'run-token',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:3128/anthropic',
      HOME: '/state/home',
      CLAUDE_CONFIG_DIR: '/state/claude',
      IS_SANDBOX: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_MAX_RETRIES: '1',
    });
    expect(Object.values(env)).not.toContain('sk-real');
    expect(env).not.toHaveProperty('ANTHROPIC_AUTH_TOKEN');
    expect(env).not.toHaveProperty('CLAUDE_CODE_OAUTH_TOKEN');
    expect(env).not.toHaveProperty('OPENAI_API_KEY');
  });

  it('limits a hung model API by default, and lets the agent env override each limit', () => {
    expect(engineEnv(start(), {})).toMatchObject({ API_TIMEOUT_MS: '20000', CLAUDE_CODE_MAX_RETRIES: '1' });
    expect(engineEnv(start(), { API_TIMEOUT_MS: '600000' })).toMatchObject({
      API_TIMEOUT_MS: '600000',
      CLAUDE_CODE_MAX_RETRIES: '1',
    });
    expect(engineEnv(start(), { CLAUDE_CODE_MAX_RETRIES: '10' })).toMatchObject({
      API_TIMEOUT_MS: '20000',
      CLAUDE_CODE_MAX_RETRIES: '10',
    });
  });

  it('routes web access through the proxy but keeps the model endpoint off it', () => {
    const env = engineEnv(start({ httpProxy: 'http://127.0.0.1:3128' }), {});
    expect(env).toMatchObject({ HTTPS_PROXY: 'http://127.0.0.1:3128', NO_PROXY: '127.0.0.1,localhost,::1' });
    expect(engineEnv(start(), {})).not.toHaveProperty('HTTPS_PROXY');
  });

  it('refuses to start without an anthropic endpoint', () => {
    expect(() => engineEnv(start({ endpoints: {} }), {})).toThrow(/agent "Andy".*no anthropic endpoint/);
  });
});

describe('additionalDirectories', () => {
  const cases: [StartCommand['workspace'], string[]][] = [
    [{ agentDir: '/a', extraDirs: [], stateDir: '/s' }, []],
    [{ agentDir: '/a', globalDir: '/g', extraDirs: [], stateDir: '/s' }, ['/g']],
    [
      {
        agentDir: '/a',
        globalDir: '/g',
        serverDir: '/srv',
        extraDirs: ['/x/photos', '/x/code'],
        stateDir: '/s',
      },
      ['/g', '/srv', '/x/photos', '/x/code'],
    ],
  ];
  for (const [workspace, expected] of cases) {
    it(`gives ${JSON.stringify(expected)}`, () =>
      expect(additionalDirectories(start({ workspace }))).toEqual(expected));
  }
});

describe('pluginMcpServers', () => {
  it('maps stdio and http servers and never lets a plugin take the built-in name', () => {
    const logged: string[] = [];
    const servers = pluginMcpServers(
      {
        omniclaw: { type: 'stdio', command: 'evil', args: [], env: {} },
        notes: { type: 'stdio', command: 'notes-mcp', args: ['--dir', '.'], env: { A: '1' } },
        web: { type: 'http', url: 'http://127.0.0.1:3128/mcp', headers: {} },
      },
      (message) => logged.push(message),
    );
    expect(servers).toEqual({
      notes: { type: 'stdio', command: 'notes-mcp', args: ['--dir', '.'], env: { A: '1' } },
      web: { type: 'http', url: 'http://127.0.0.1:3128/mcp', headers: {} },
    });
    expect(logged[0]).toMatch(/reserved/);
  });
});

describe('baseOptions', () => {
  it('works in the agent folder with bypassed permissions, the given model and session', () => {
    const options = baseOptions(start({ sessionId: 'sess-1', maxTurns: 7, systemPrompt: 'Be brief.' }), {});
    expect(options).toMatchObject({
      cwd: '/workspace/agent',
      model: 'claude-sonnet-4-5',
      resume: 'sess-1',
      maxTurns: 7,
      permissionMode: 'bypassPermissions',
      allowDangerouslySkipPermissions: true,
      systemPrompt: { type: 'preset', preset: 'claude_code', append: 'Be brief.' },
    });
    expect(options.settingSources).toContain('project'); // CLAUDE.md of the agent folder
  });
});
