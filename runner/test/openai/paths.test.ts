import { describe, expect, it } from 'vitest';
import { confineLexically, type AccessMode, type WorkspaceRoots } from '../../src/tools/paths.js';
import { globMatcher } from '../../src/tools/glob.js';

const roots: WorkspaceRoots = {
  cwd: '/workspace/agent',
  writable: ['/workspace/agent'],
  readOnly: ['/workspace/global', '/workspace/extra/docs'],
};

describe('confineLexically', () => {
  const cases: [string, AccessMode, string | null][] = [
    ['notes.md', 'write', '/workspace/agent/notes.md'],
    ['./a/../b.txt', 'write', '/workspace/agent/b.txt'],
    ['.', 'read', '/workspace/agent'],
    ['/workspace/agent', 'write', '/workspace/agent'],
    ['/workspace/agent/deep/x', 'write', '/workspace/agent/deep/x'],
    ['../global/CLAUDE.md', 'read', '/workspace/global/CLAUDE.md'],
    ['../global/CLAUDE.md', 'write', null],
    ['/workspace/extra/docs/a.txt', 'read', '/workspace/extra/docs/a.txt'],
    ['/workspace/extra/docs/a.txt', 'write', null],
    ['../../etc/passwd', 'read', null],
    ['/etc/passwd', 'read', null],
    ['/workspace/agent-other/x', 'read', null],
    ['/workspace/agentx', 'write', null],
    ['/workspace', 'read', null],
    ['a/../../agent2/file', 'write', null],
    ['', 'read', null],
    ['   ', 'read', null],
    ['file\0.txt', 'read', null],
  ];
  it.each(cases)('%j for %s → %s', (requested, mode, expected) => {
    const result = confineLexically(requested, roots, mode);
    if (expected === null) expect(result.ok).toBe(false);
    else expect(result).toEqual({ ok: true, path: expected });
  });

  it('explains what is allowed when refusing', () => {
    const result = confineLexically('/etc/passwd', roots, 'read');
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('outside the workspace') });
    expect(!result.ok && result.reason).toContain('/workspace/agent');
  });

  it('says read-only rather than outside for a read-only root', () => {
    const result = confineLexically('/workspace/global/x', roots, 'write');
    expect(!result.ok && result.reason).toContain('read-only');
  });
});

describe('globMatcher', () => {
  const cases: [string, string, boolean][] = [
    ['*.md', 'notes.md', true],
    ['*.md', 'dir/notes.md', false],
    ['**/*.md', 'notes.md', true],
    ['**/*.md', 'a/b/notes.md', true],
    ['**', 'a/b/c', true],
    ['a/**', 'a/b/c', true],
    ['a/**', 'b/c', false],
    ['?.txt', 'a.txt', true],
    ['?.txt', 'ab.txt', false],
    ['*.{ts,js}', 'x.js', true],
    ['*.{ts,js}', 'x.py', false],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
    ['[ab]', '[ab]', true],
    ['*', '.env', true],
    ['!x', '!x', true],
  ];
  it.each(cases)('%s matches %s: %s', (pattern, path, expected) => {
    expect(globMatcher(pattern)(path)).toBe(expected);
  });
});
