/** The command table (src/cli/commands.ts): names match their modules, and only the one run is loaded. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, registerCommands } from '../../src/cli/commands.js';

const namesOf = (program: Command): string[] => program.commands.map((c) => c.name());

describe('the command table', () => {
  it.each(Object.keys(COMMANDS))('loads the module that defines `omniclaw %s`', async (name) => {
    const program = new Command();
    (await COMMANDS[name]!())(program);
    expect(namesOf(program)).toContain(name);
  });

  it('registers only the command being run', async () => {
    const program = new Command();
    await registerCommands(program, 'start');
    expect(namesOf(program)).toEqual(['start']);
  });

  it('registers a module that holds two commands once (backup and restore)', async () => {
    const program = new Command();
    await registerCommands(program, 'restore');
    expect(namesOf(program)).toEqual(['backup', 'restore']);
  });

  it('registers every command for help or a name that is no command, so commander can list them', async () => {
    for (const name of [undefined, 'help', 'no-such-command']) {
      const program = new Command();
      await registerCommands(program, name);
      expect(new Set(namesOf(program))).toEqual(new Set(Object.keys(COMMANDS)));
    }
  });
});
