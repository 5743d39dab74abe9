/**
 * The skills in .claude/skills/ stay true to the code: every file or folder they name
 * exists, and every `omniclaw …` command they name is one the CLI has.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/daemon.js';

const SKILLS = join(ROOT, '.claude', 'skills');
const BIN = join(ROOT, 'bin', 'omniclaw.js');

const skillFiles = (): string[] => readdirSync(SKILLS).map((name) => join(SKILLS, name, 'SKILL.md'));

/** `a/b.ts`, `docs/x.md`, `test/fakes/`: backticked text that looks like a project path. */
const pathsIn = (text: string): string[] =>
  [...text.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1]!)
    .filter((t) => /^(src|runner|test|docs|eslint|container|bench|bin)\//.test(t))
    .map((t) => t.replace(/<[^>]+>.*$/, '')); // `test/<runtime>/` → its fixed part

/** `omniclaw channels add telegram --token …` → ["channels", "add"]: the words before any flag or value. */
const commandsIn = (text: string): string[][] =>
  [...text.matchAll(/`(?:[A-Z_]+=\S+ )*omniclaw ([^`]+)`/g)].map((m) =>
    m[1]!
      .split(/\s+/)
      .filter((w) => /^[a-z][a-z-]*$/.test(w))
      .slice(0, 2),
  );

/** The command names in the "Commands:" part of `omniclaw [cmd] --help`. */
const helpCache = new Map<string, string[]>();
function commandsOf(path: string[]): string[] {
  const key = path.join(' ');
  const cached = helpCache.get(key);
  if (cached) return cached;
  const help = spawnSync(process.execPath, [BIN, ...path, '--help'], { encoding: 'utf8' }).stdout;
  const section = help.split(/^Commands:$/m)[1] ?? '';
  const names = [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
  helpCache.set(key, names);
  return names;
}

describe('.claude/skills', () => {
  it('has setup, debug, add-channel and add-runtime, each short with a name and description', () => {
    expect(readdirSync(SKILLS).sort()).toEqual(['add-channel', 'add-runtime', 'debug', 'setup']);
    for (const file of skillFiles()) {
      const text = readFileSync(file, 'utf8');
      expect(text).toMatch(/^---\nname: [a-z-]+\ndescription: .+\n---\n/);
      expect(text.split('\n').length, file).toBeLessThan(60);
    }
  });

  it('names only files and folders that exist', () => {
    for (const file of skillFiles())
      for (const path of pathsIn(readFileSync(file, 'utf8')))
        expect(existsSync(join(ROOT, path)), `${path} in ${file}`).toBe(true);
  });

  it('names only omniclaw commands the CLI has', () => {
    const top = commandsOf([]);
    let checked = 0;
    for (const file of skillFiles())
      for (const [command, sub] of commandsIn(readFileSync(file, 'utf8'))) {
        expect(top, `omniclaw ${command} in ${file}`).toContain(command);
        const subs = commandsOf([command!]);
        // A command with subcommands (channels, service, outbox…): the second word must be one.
        if (subs.length && sub) expect(subs, `omniclaw ${command} ${sub} in ${file}`).toContain(sub);
        checked++;
      }
    expect(checked).toBeGreaterThan(10);
  });

  it('would notice a command the CLI lacks', () => {
    expect(commandsOf([])).not.toContain('no-such-command');
    expect(commandsOf(['service'])).toEqual(
      expect.arrayContaining(['install', 'uninstall', 'status', 'restart']),
    );
  });
});
