/**
 * doctor's build check on a made-up project folder: sources or installed packages newer than
 * the last build are a warning with the command that fixes it; a missing runner build fails.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILD_STAMP, buildFreshCheck } from '../../src/cli/doctor-build.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const hour = 3_600_000;
const at = (file: string, ms: number) => utimesSync(file, ms / 1000, ms / 1000);

/** A project whose sources were last changed at `sourcesAt` and built at `builtAt`. */
function project(sourcesAt: number, builtAt: number | undefined): string {
  const root = mkdtempSync(join(tmpdir(), 'omniclaw-build-'));
  roots.push(root);
  for (const dir of ['src/core', 'runner/src', 'dist', 'runner/dist'])
    mkdirSync(join(root, dir), { recursive: true });
  for (const file of ['src/core/intake.ts', 'runner/src/main.ts']) {
    writeFileSync(join(root, file), 'export {};\n');
    at(join(root, file), sourcesAt);
  }
  if (builtAt !== undefined) {
    writeFileSync(join(root, 'dist', BUILD_STAMP), '');
    at(join(root, 'dist', BUILD_STAMP), builtAt);
  }
  return root;
}

describe('doctor build check', () => {
  const now = Date.now();

  it('is ok when the last build came after every source change', () => {
    expect(buildFreshCheck(project(now - 2 * hour, now - hour)).status).toBe('ok');
  });

  it('warns, with the command, when a source (also one in a subfolder) changed after the build', () => {
    const root = project(now - 2 * hour, now - hour);
    at(join(root, 'src/core/intake.ts'), now);
    const check = buildFreshCheck(root);
    expect(check.status).toBe('warn');
    expect(check.detail).toMatch(/changed after the last build/);
    expect(check.fix).toMatch(/npm run build/);
  });

  it('warns when the installed packages changed after the build (the bundle holds their old code)', () => {
    const root = project(now - 2 * hour, now - hour);
    mkdirSync(join(root, 'node_modules'));
    writeFileSync(join(root, 'node_modules', '.package-lock.json'), '{}');
    at(join(root, 'node_modules', '.package-lock.json'), now - 2 * hour);
    expect(buildFreshCheck(root).status).toBe('ok');
    at(join(root, 'node_modules', '.package-lock.json'), now);
    const check = buildFreshCheck(root);
    expect(check.status).toBe('warn');
    expect(check.detail).toMatch(/installed packages or the bundler changed after the last build/);
    expect(check.fix).toMatch(/npm run build/);
  });

  it('warns when no build time was recorded, and fails without the runner build', () => {
    const root = project(now - hour, undefined);
    expect(buildFreshCheck(root).status).toBe('warn');
    rmSync(join(root, 'runner', 'dist'), { recursive: true });
    expect(buildFreshCheck(root)).toMatchObject({
      status: 'fail',
      fix: expect.stringMatching(/npm run build/),
    });
  });

  it('has nothing to compare in an install without sources', () => {
    const root = project(now, now - hour);
    rmSync(join(root, 'src'), { recursive: true });
    expect(buildFreshCheck(root).status).toBe('ok');
  });
});
