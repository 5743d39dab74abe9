/**
 * Reading inside an agent-writable folder: symlinks (to a file or a folder, anywhere on
 * the way), hard links, non-files, traversal and size are refused; plain files are read.
 */
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FolderFileError } from '../../src/tools/folder-files.js';
import { listFilesInside, readInside } from '../../src/tools/folder-files.js';

let base: string;
let root: string;
let secret: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'omniclaw-folder-files-'));
  root = join(base, 'agent');
  mkdirSync(join(root, 'context'), { recursive: true });
  secret = join(base, 'host-secret.md');
  writeFileSync(secret, 'HOST SECRET');
  writeFileSync(join(root, 'context', 'plain.md'), 'plain text');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const refusal = (relative: string, max = 1024): FolderFileError => {
  try {
    readInside(root, relative, max);
  } catch (error) {
    return error as FolderFileError;
  }
  throw new Error(`${relative} was read`);
};

describe('files inside an agent-writable folder', () => {
  it('reads a plain file', () => {
    expect(readInside(root, 'context/plain.md', 1024).toString()).toBe('plain text');
  });

  it('refuses a symlink planted as the file, pointing at a host secret', () => {
    symlinkSync(secret, join(root, 'context', 'leak.md'));
    expect(refusal('context/leak.md')).toMatchObject({
      code: 'refused',
      message: expect.stringMatching(/symlink/),
    });
  });

  it('refuses a folder on the way swapped for a symlink (to a folder holding a secret)', () => {
    rmSync(join(root, 'context'), { recursive: true });
    symlinkSync(base, join(root, 'context'));
    expect(refusal('context/host-secret.md')).toMatchObject({ code: 'refused' });
    expect(() => listFilesInside(root, 'context')).toThrow(/symlink/);
  });

  it('refuses a hard link, a folder, traversal, an absolute path and a file over the limit', () => {
    expect(refusal('context/plain.md', 3)).toMatchObject({ code: 'too-big' });
    linkSync(join(root, 'context', 'plain.md'), join(root, 'context', 'hard.md'));
    expect(refusal('context/hard.md')).toMatchObject({
      code: 'refused',
      message: expect.stringMatching(/hard links/),
    });
    mkdirSync(join(root, 'context', 'dir.md'));
    expect(refusal('context/dir.md')).toMatchObject({ code: 'refused' });
    expect(() => readInside(root, '../host-secret.md', 1024)).toThrow(/no "\." or "\.\." parts/);
    expect(() => readInside(root, secret, 1024)).toThrow(/no leading "\/"/);
    expect(refusal('context/none.md')).toMatchObject({ code: 'missing' });
  });

  it('lists a folder through its descriptor, and nothing for a missing one', () => {
    expect(listFilesInside(root, 'context')).toEqual(['plain.md']);
    expect(listFilesInside(root, 'nothing')).toEqual([]);
  });
});
