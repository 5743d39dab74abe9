import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  runWorkspaceTool,
  workspaceFunctionDefinitions,
  workspaceTools,
  type ToolContext,
} from '../../src/tools/index.js';
import { workspaceRoots } from '../../src/tools/paths.js';
import { BASH_OUTPUT_MAX_BYTES } from '../../src/tools/bash.js';
import { READ_MAX_BYTES } from '../../src/tools/read.js';
import { makeWorkspace, type TestWorkspace } from './fixtures.js';

let ws: TestWorkspace;
let context: ToolContext;

const run = async (name: string, args: unknown) => {
  const tool = workspaceTools.get(name)!;
  return runWorkspaceTool(tool, typeof args === 'string' ? args : JSON.stringify(args), context);
};

beforeEach(async () => {
  ws = makeWorkspace();
  mkdirSync(join(ws.root, 'inbox'));
  const roots = await workspaceRoots(
    {
      agentDir: ws.agentDir,
      globalDir: ws.globalDir,
      extraDirs: [],
      stateDir: ws.stateDir,
      inboxDir: join(ws.root, 'inbox'),
    },
    false,
  );
  context = {
    roots,
    bashTimeoutMs: 5_000,
    env: { ...process.env, PROBE: 'from-env' },
    signal: new AbortController().signal,
  };
});
afterEach(() => ws.cleanup());

describe('workspace tools: confinement', () => {
  it('refuses ../../etc/passwd for read, write and edit', async () => {
    for (const [name, args] of [
      ['read', { path: '../../etc/passwd' }],
      ['write', { path: '../../etc/passwd', content: 'x' }],
      ['edit', { path: '../../../../../../etc/passwd', old_string: 'root', new_string: 'toor' }],
    ] as const) {
      const result = await run(name, args);
      expect(result.ok, name).toBe(false);
      expect(result.content).toMatch(/outside the workspace/);
    }
  });

  it('refuses an absolute path outside the workspace', async () => {
    const result = await run('read', { path: '/etc/hostname' });
    expect(result).toMatchObject({
      ok: false,
      content: expect.stringContaining('/etc/hostname is outside the workspace'),
    });
  });

  it('refuses a symlink in the agent folder that points to /etc, for read, write, glob and grep', async () => {
    symlinkSync('/etc', join(ws.agentDir, 'etc-link'));
    expect((await run('read', { path: 'etc-link/passwd' })).content).toMatch(
      /resolves through a symlink to \/etc\/passwd/,
    );
    expect((await run('write', { path: 'etc-link/evil', content: 'x' })).ok).toBe(false);
    expect((await run('glob', { pattern: '**', path: 'etc-link' })).ok).toBe(false);
    expect((await run('grep', { pattern: 'root', path: 'etc-link' })).ok).toBe(false);
    // Walking the agent folder lists the link but never descends into it.
    const listing = await run('glob', { pattern: '**/passwd' });
    expect(listing.content).toBe('No files match.');
    const search = await run('grep', { pattern: 'root:' });
    expect(search.content).toBe('No matches.');
  });

  it('refuses to write through a symlinked file or a dangling link pointing out', async () => {
    symlinkSync('/etc/hostname', join(ws.agentDir, 'host'));
    symlinkSync('/tmp/omniclaw-should-not-exist-' + process.pid, join(ws.agentDir, 'dangling'));
    expect((await run('write', { path: 'host', content: 'x' })).ok).toBe(false);
    const dangling = await run('write', { path: 'dangling', content: 'x' });
    expect(dangling.ok).toBe(false);
    expect(existsSync('/tmp/omniclaw-should-not-exist-' + process.pid)).toBe(false);
  });

  it('reads global memory but may not write it (not the main agent)', async () => {
    writeFileSync(join(ws.globalDir, 'CLAUDE.md'), 'global memory');
    expect((await run('read', { path: join(ws.globalDir, 'CLAUDE.md') })).content).toContain('global memory');
    const write = await run('write', { path: join(ws.globalDir, 'CLAUDE.md'), content: 'x' });
    expect(write).toMatchObject({ ok: false, content: expect.stringContaining('read-only') });
  });
});

describe('workspace tools: received files', () => {
  it('reads files in the inbox but may not change them', async () => {
    writeFileSync(join(ws.root, 'inbox', 'photo.txt'), 'from the chat');
    const path = join(ws.root, 'inbox', 'photo.txt');
    expect((await run('read', { path })).content).toContain('from the chat');
    expect((await run('write', { path, content: 'x' })).content).toMatch(/read-only/);
    expect((await run('glob', { pattern: '*.txt', path: join(ws.root, 'inbox') })).content).toContain(
      'photo.txt',
    );
  });
});

describe('workspace tools: bounds', () => {
  it('reads a huge file in a bounded window without loading it', async () => {
    const line = 'x'.repeat(99) + '\n';
    writeFileSync(join(ws.agentDir, 'huge.log'), line.repeat(200_000)); // 20 MB
    const result = await run('read', { path: 'huge.log' });
    expect(result.ok).toBe(true);
    expect(Buffer.byteLength(result.content)).toBeLessThan(READ_MAX_BYTES + 2_000);
    expect(result.content).toMatch(/read on with offset \d+/);
    const later = await run('read', { path: 'huge.log', offset: 150_000, limit: 2 });
    expect(later.content.split('\n')[0]).toMatch(/^\s*150000\t/);
  });

  it('cuts very long lines and reports binary files', async () => {
    writeFileSync(join(ws.agentDir, 'long.txt'), 'y'.repeat(50_000));
    expect((await run('read', { path: 'long.txt' })).content).toContain('[line cut]');
    writeFileSync(join(ws.agentDir, 'blob.bin'), Buffer.from([1, 0, 2, 3]));
    expect((await run('read', { path: 'blob.bin' })).content).toContain('binary file');
  });

  it('kills a bash command that never ends, with everything it started', async () => {
    const started = Date.now();
    const result = await run('bash', { command: 'sleep 1000 & echo started; sleep 1000', timeout_ms: 500 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result.content).toMatch(/timed out after 500 ms/);
    expect(result.content).toContain('started');
  });

  it('does not wait for a background job that keeps the output open', async () => {
    const started = Date.now();
    const result = await run('bash', { command: 'sleep 30 & echo $! > bg.pid; echo quick' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.content).toBe('Exit code: 0\nquick');
    process.kill(Number(readFileSync(join(ws.agentDir, 'bg.pid'), 'utf8')), 'SIGKILL');
  });

  it('bounds bash output, keeping the head and the tail', async () => {
    const result = await run('bash', { command: 'seq 1 200000; echo THE-END' });
    expect(Buffer.byteLength(result.content)).toBeLessThan(BASH_OUTPUT_MAX_BYTES + 200);
    expect(result.content).toMatch(/^Exit code: 0\n1\n2\n/);
    expect(result.content).toContain('bytes cut');
    expect(result.content.trimEnd().endsWith('THE-END')).toBe(true);
  });

  it('runs bash in the agent folder and reports the exit code', async () => {
    const result = await run('bash', { command: 'pwd; echo $PROBE; exit 3' });
    expect(result.content).toBe(`Exit code: 3\n${context.roots.cwd}\nfrom-env`);
  });
});

describe('workspace tools: model mistakes become error results', () => {
  it('answers invalid JSON arguments with an error the model can act on', async () => {
    const result = await run('read', '{"path": "a.txt"');
    expect(result).toMatchObject({ ok: false, content: expect.stringContaining('not valid JSON') });
  });

  it('answers arguments of the wrong shape with the offending field', async () => {
    const result = await run('write', { path: 7 });
    expect(result.content).toMatch(/invalid arguments for write: path/);
  });

  it('edits a unique string, refuses an ambiguous one, and writes new files', async () => {
    expect((await run('write', { path: 'dir/a.txt', content: 'one two two' })).ok).toBe(true);
    expect((await run('edit', { path: 'dir/a.txt', old_string: 'two', new_string: '2' })).content).toMatch(
      /occurs 2 times/,
    );
    expect((await run('edit', { path: 'dir/a.txt', old_string: 'one', new_string: '$&1' })).ok).toBe(true);
    expect(
      (await run('edit', { path: 'dir/a.txt', old_string: 'two', new_string: '2', replace_all: true })).ok,
    ).toBe(true);
    expect(readFileSync(join(ws.agentDir, 'dir/a.txt'), 'utf8')).toBe('$&1 2 2');
  });

  it('finds files and contents', async () => {
    mkdirSync(join(ws.agentDir, 'notes'));
    writeFileSync(join(ws.agentDir, 'notes/todo.md'), 'buy milk\nCall Bob\n');
    writeFileSync(join(ws.agentDir, 'notes/x.txt'), 'call alice\n');
    expect((await run('glob', { pattern: '**/*.md' })).content).toBe('notes/todo.md');
    expect((await run('grep', { pattern: 'call', ignore_case: true, glob: '*.md' })).content).toBe(
      'notes/todo.md:2:Call Bob',
    );
    expect((await run('grep', { pattern: '(unclosed' })).ok).toBe(false);
  });

  it('offers JSON schemas for all six tools', () => {
    const defs = workspaceFunctionDefinitions();
    expect(defs.map((d) => d.name)).toEqual(['bash', 'read', 'write', 'edit', 'glob', 'grep']);
    expect(defs[1]!.parameters).toMatchObject({ type: 'object', required: ['path'] });
  });
});
