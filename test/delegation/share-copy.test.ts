/**
 * copyShare on real folders, as the attacker: symlinks to host secrets in the source, "shared"
 * or "shared/<from>" planted as a symlink in the target, hard links, files over the limit.
 * Nothing is read through a link and nothing is written outside the target folder.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyShare, measureShare } from '../../src/delegation/share-copy.js';
import type { ShareMove } from '../../src/delegation/share-book.js';

let base = '';
afterEach(() => rmSync(base, { recursive: true, force: true }));

function setUp() {
  base = mkdtempSync(join(tmpdir(), 'share-copy-'));
  const folder = (id: string) => join(base, 'groups', id);
  for (const id of ['research', 'main']) mkdirSync(folder(id), { recursive: true });
  const secret = join(base, 'host-secret.txt');
  writeFileSync(secret, 'TOP SECRET');
  const outside = join(base, 'outside');
  mkdirSync(outside);
  return { folder, secret, outside };
}

const push = (...paths: string[]): ShareMove[] => [
  {
    direction: 'push',
    source: 'research',
    target: 'main',
    files: paths.map((path) => ({ path, lands: `shared/research/${path.split('/').pop()!}` })),
  },
];

describe('copyShare', () => {
  it('copies into shared/<source>/ and replaces an earlier copy', () => {
    const { folder } = setUp();
    mkdirSync(join(folder('research'), 'reports'));
    writeFileSync(join(folder('research'), 'reports/q3.md'), 'v1');
    expect(copyShare(push('reports/q3.md'), folder, 1000)).toEqual(['main: shared/research/q3.md']);
    writeFileSync(join(folder('research'), 'reports/q3.md'), 'v2');
    copyShare(push('reports/q3.md'), folder, 1000);
    expect(readFileSync(join(folder('main'), 'shared/research/q3.md'), 'utf8')).toBe('v2');
    expect(readdirSync(join(folder('main'), 'shared/research'))).toEqual(['q3.md']);
  });

  it('refuses a symlink in the source to a host secret, and copies nothing of the request', () => {
    const { folder, secret } = setUp();
    writeFileSync(join(folder('research'), 'fine.md'), 'ok');
    symlinkSync(secret, join(folder('research'), 'leak.md'));
    expect(() => copyShare(push('fine.md', 'leak.md'), folder, 1000)).toThrow(/symbolic link/);
    expect(existsSync(join(folder('main'), 'shared'))).toBe(false);
  });

  it('refuses a folder on the way that is a symlink, and a hard link', () => {
    const { folder, secret, outside } = setUp();
    writeFileSync(join(outside, 'x.md'), 'outside');
    symlinkSync(outside, join(folder('research'), 'docs'));
    expect(() => copyShare(push('docs/x.md'), folder, 1000)).toThrow(/symbolic link/);
    linkSync(secret, join(folder('research'), 'hard.md'));
    expect(() => copyShare(push('hard.md'), folder, 1000)).toThrow(/hard links/);
    expect(existsSync(join(folder('main'), 'shared'))).toBe(false);
  });

  it('refuses a request over the size limit, counting its files together', () => {
    const { folder } = setUp();
    writeFileSync(join(folder('research'), 'a.bin'), Buffer.alloc(600));
    writeFileSync(join(folder('research'), 'b.bin'), Buffer.alloc(600));
    expect(() => copyShare(push('a.bin'), folder, 500)).toThrow(/over its limit/);
    expect(() => copyShare(push('a.bin', 'b.bin'), folder, 1000)).toThrow(/over its limit/);
    expect(existsSync(join(folder('main'), 'shared'))).toBe(false);
  });

  it.each(['shared', 'shared/research'])(
    'never writes through a symlink planted at %s in the target',
    (planted) => {
      const { folder, outside } = setUp();
      writeFileSync(join(folder('research'), 'q3.md'), 'data');
      if (planted === 'shared/research') mkdirSync(join(folder('main'), 'shared'));
      symlinkSync(outside, join(folder('main'), planted));
      expect(() => copyShare(push('q3.md'), folder, 1000)).toThrow(/could not write shared\/research\/q3.md/);
      expect(readdirSync(outside)).toEqual([]);
    },
  );

  it('replaces a symlink planted at the file name instead of writing through it', () => {
    const { folder, secret } = setUp();
    writeFileSync(join(folder('research'), 'q3.md'), 'data');
    mkdirSync(join(folder('main'), 'shared/research'), { recursive: true });
    symlinkSync(secret, join(folder('main'), 'shared/research/q3.md'));
    copyShare(push('q3.md'), folder, 1000);
    expect(readFileSync(secret, 'utf8')).toBe('TOP SECRET');
    expect(readFileSync(join(folder('main'), 'shared/research/q3.md'), 'utf8')).toBe('data');
  });

  it('measureShare checks as the copy does, without writing anything (delegate_task attachments)', () => {
    const { folder, secret } = setUp();
    writeFileSync(join(folder('research'), 'a.md'), 'twelve bytes');
    writeFileSync(join(folder('research'), 'b.md'), 'four');
    symlinkSync(secret, join(folder('research'), 'leak.md'));
    expect(measureShare(push('a.md', 'b.md'), folder, 16)).toBe(16);
    expect(() => measureShare(push('a.md', 'b.md'), folder, 15)).toThrow(
      /b\.md .*over its limit of 15 bytes/,
    );
    expect(() => measureShare(push('leak.md'), folder, 1000)).toThrow(
      /symbolic link, which is never followed/,
    );
    expect(existsSync(join(folder('main'), 'shared'))).toBe(false);
  });
});
