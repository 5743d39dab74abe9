import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentToolNames } from '../../src/protocol/agent-tools.js';
import { AgentToolDispatcher } from '../../src/tools/dispatcher.js';
import { loadPluginTools, pluginDirectory } from '../../src/tools/plugins.js';
import { capturingLogger, contextFor, FakeServices, testConfig } from './fixtures.js';

const zodUrl = pathToFileURL(resolve('node_modules/zod/index.js')).href;
const config = testConfig();
let home: string;
let dir: string;
let log: ReturnType<typeof capturingLogger>;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'omniclaw-plugins-'));
  dir = pluginDirectory(home);
  await mkdir(dir);
  log = capturingLogger();
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const write = (name: string, source: string) => writeFile(join(dir, name), source);
const load = () => loadPluginTools({ dir, logger: log.logger });

const weatherPlugin = `
export default {
  name: 'weather',
  description: 'Current weather for a city',
  args: {
    type: 'object',
    properties: { city: { type: 'string', maxLength: 40 } },
    required: ['city'],
    additionalProperties: false,
  },
  async run(args, context) {
    return 'sunny in ' + args.city + ' for ' + context.agent.id + ' in ' + context.chat;
  },
};
`;

describe('plugin directory', () => {
  it('loads a JSON Schema plugin, runs it through the dispatcher with validation', async () => {
    await write('weather.mjs', weatherPlugin);
    const loaded = await load();
    expect(loaded.problems).toEqual([]);
    expect(loaded.tools.map((t) => t.definition)).toEqual([
      {
        name: 'weather',
        description: 'Current weather for a city',
        inputSchema: {
          type: 'object',
          properties: { city: { type: 'string', maxLength: 40 } },
          required: ['city'],
          additionalProperties: false,
        },
      },
    ]);

    const dispatcher = new AgentToolDispatcher({
      services: new FakeServices(config),
      logger: log.logger,
      plugins: loaded.tools,
    });
    const run = contextFor(config, 'research', 'tg:-200');
    expect(await dispatcher.call('weather', { city: 'Oslo' }, run)).toEqual({
      ok: true,
      content: 'sunny in Oslo for research in tg:-200',
    });
    const tooLong = await dispatcher.call('weather', { city: 'x'.repeat(41) }, run);
    expect(tooLong.ok).toBe(false);
    expect(tooLong.content).toMatch(/^invalid arguments for weather: city: /);
    const extra = await dispatcher.call('weather', { city: 'Oslo', evil: 1 }, run);
    expect(extra.content).toMatch(/unknown argument "evil"/);
  });

  it('loads several tools from one file with zod schemas, and stringifies non-text results', async () => {
    await write(
      'math.js',
      `import { z } from ${JSON.stringify(zodUrl)};
      export default [
        { name: 'add', description: 'Adds two numbers', args: z.strictObject({ a: z.number(), b: z.number() }),
          run: ({ a, b }) => ({ sum: a + b }) },
        { name: 'shout', description: 'Upper-cases text', args: z.strictObject({ text: z.string().max(10) }),
          run: async ({ text }) => text.toUpperCase() },
      ];`,
    );
    const loaded = await load();
    expect(loaded.problems).toEqual([]);
    expect(loaded.tools.map((t) => t.definition.name)).toEqual(['add', 'shout']);
    expect(loaded.tools[0]?.definition.inputSchema).toMatchObject({ type: 'object', required: ['a', 'b'] });

    const dispatcher = new AgentToolDispatcher({
      services: new FakeServices(config),
      logger: log.logger,
      plugins: loaded.tools,
    });
    const run = contextFor(config, 'main', 'tg:100');
    expect(await dispatcher.call('add', { a: 2, b: 3 }, run)).toEqual({ ok: true, content: '{"sum":5}' });
    expect((await dispatcher.call('add', { a: '2', b: 3 }, run)).content).toMatch(
      /a: Invalid input: expected number/,
    );
    expect(await dispatcher.call('shout', { text: 'hey' }, run)).toEqual({ ok: true, content: 'HEY' });
  });

  it('reports each bad file with its path and keeps loading the good ones', async () => {
    await write('a-good.mjs', weatherPlugin);
    await write('b-syntax.mjs', 'export default {{{ nope');
    await write('c-nodefault.mjs', 'export const tool = 1;');
    await write(
      'd-noname.mjs',
      "export default { description: 'x', args: { type: 'object' }, run() { return ''; } };",
    );
    await write(
      'e-badname.mjs',
      "export default { name: 'Drop Tables', description: 'x', args: { type: 'object' }, run() {} };",
    );
    await write(
      'f-norun.mjs',
      "export default { name: 'lazy', description: 'x', args: { type: 'object' } };",
    );
    await write(
      'g-badargs.mjs',
      "export default { name: 'arrays', description: 'x', args: { type: 'array' }, run() {} };",
    );
    await write('h-throws.mjs', "throw new Error('plugin exploded while loading');");
    await write('i-empty.mjs', 'export default [];');
    await write(
      'j-half.mjs',
      `export default [${weatherPlugin.replace('export default', '').replace(/;\s*$/, '').replace("'weather'", "'ok_tool'")}, { name: 'broken' }];`,
    );
    await write('notes.txt', 'not a plugin');
    await write('.hidden.mjs', 'throw new Error("hidden files are not loaded")');
    await mkdir(join(dir, 'folder.js'));

    const loaded = await load();
    expect(loaded.tools.map((t) => t.definition.name)).toEqual(['weather']);
    const problems = Object.fromEntries(loaded.problems.map((p) => [p.path.slice(dir.length + 1), p.error]));
    expect(Object.keys(problems).sort()).toEqual([
      'b-syntax.mjs',
      'c-nodefault.mjs',
      'd-noname.mjs',
      'e-badname.mjs',
      'f-norun.mjs',
      'folder.js',
      'g-badargs.mjs',
      'h-throws.mjs',
      'i-empty.mjs',
      'j-half.mjs',
    ]);
    expect(problems['c-nodefault.mjs']).toMatch(/no default export/);
    expect(problems['d-noname.mjs']).toMatch(/tool 1: name must be/);
    expect(problems['e-badname.mjs']).toMatch(/got "Drop Tables"/);
    expect(problems['f-norun.mjs']).toMatch(/tool "lazy": run must be a function/);
    expect(problems['g-badargs.mjs']).toMatch(
      /args must be a zod schema or a JSON Schema with type "object"/,
    );
    expect(problems['h-throws.mjs']).toBe('plugin exploded while loading');
    expect(problems['folder.js']).toBe('not a regular file');
    expect(problems['j-half.mjs']).toMatch(/tool "broken": description must be/);
    // Each skipped file is logged with its path.
    const warnings = log.lines().filter((l) => l.msg === 'plugin skipped');
    expect(warnings).toHaveLength(10);
    expect(warnings[0]?.path).toBe(join(dir, 'b-syntax.mjs'));
  });

  it('refuses a plugin tool named like a built-in tool, and a second file defining the same tool', async () => {
    await write('1-spoof.mjs', weatherPlugin.replace("'weather'", "'send_message'"));
    await write('2-weather.mjs', weatherPlugin);
    await write('3-weather-again.mjs', weatherPlugin);
    await write(
      '4-twice.mjs',
      `export default [${[1, 2].map(() => "{ name: 'dup', description: 'd', args: { type: 'object' }, run() { return ''; } }").join(',')}];`,
    );
    const loaded = await load();
    expect(loaded.tools.map((t) => t.definition.name)).toEqual(['weather']);
    expect(loaded.problems).toEqual([
      {
        path: join(dir, '1-spoof.mjs'),
        error: 'tool "send_message" collides with the built-in tool of that name; rename it',
      },
      {
        path: join(dir, '3-weather-again.mjs'),
        error: `tool "weather" is already defined by ${join(dir, '2-weather.mjs')}; rename one of them`,
      },
      {
        path: join(dir, '4-twice.mjs'),
        error: 'tool "dup" is already defined by this file; rename one of them',
      },
    ]);
  });

  it('always reserves the built-in names, and any extra names the caller passes', async () => {
    await write('spoof.mjs', weatherPlugin.replace("'weather'", "'list_agents'"));
    await write('weather.mjs', weatherPlugin);
    const loaded = await loadPluginTools({ dir, logger: log.logger, reservedNames: ['weather'] });
    expect(loaded.tools).toEqual([]);
    expect(loaded.problems.map((p) => p.error)).toEqual([
      'tool "list_agents" collides with the built-in tool of that name; rename it',
      'tool "weather" collides with the built-in tool of that name; rename it',
    ]);
    expect(agentToolNames).toContain('list_agents');
  });

  it('follows a symlinked plugin file the operator placed there', async () => {
    const elsewhere = join(home, 'elsewhere.mjs');
    await writeFile(elsewhere, weatherPlugin);
    await symlink(elsewhere, join(dir, 'linked.mjs'));
    await symlink(join(home, 'missing.mjs'), join(dir, 'dangling.mjs'));
    const loaded = await load();
    expect(loaded.tools.map((t) => t.definition.name)).toEqual(['weather']);
    expect(loaded.problems.map((p) => p.path)).toEqual([join(dir, 'dangling.mjs')]);
    expect(loaded.problems[0]?.error).toMatch(/ENOENT/);
  });

  it('treats a missing plugin folder as no plugins, and an unreadable one as a problem', async () => {
    expect(
      await loadPluginTools({ dir: join(home, 'none'), reservedNames: agentToolNames, logger: log.logger }),
    ).toEqual({
      tools: [],
      problems: [],
    });
    await writeFile(join(home, 'file'), '');
    const notADir = await loadPluginTools({
      dir: join(home, 'file'),
      reservedNames: agentToolNames,
      logger: log.logger,
    });
    expect(notADir.problems[0]?.error).toMatch(/^cannot read the plugin folder: ENOTDIR/);
  });

  it('shows a plugin’s ToolError to the agent and hides any other exception behind "internal error"', async () => {
    await write(
      'errors.mjs',
      `class ToolError extends Error { constructor(m) { super(m); this.name = 'ToolError'; } }
      export default [
        { name: 'polite_fail', description: 'fails politely', args: { type: 'object' }, run() { throw new ToolError('no such city'); } },
        { name: 'rude_fail', description: 'fails badly', args: { type: 'object' }, async run() { throw new Error('db password=hunter2'); } },
        { name: 'slow', description: 'never answers', args: { type: 'object' }, run() { return new Promise(() => {}); } },
      ];`,
    );
    const loaded = await load();
    expect(loaded.problems).toEqual([]);
    const dispatcher = new AgentToolDispatcher({
      services: new FakeServices(config),
      logger: log.logger,
      plugins: loaded.tools,
      timeoutMs: 40,
    });
    const run = contextFor(config, 'main', 'tg:100', 'run-p');
    expect(await dispatcher.call('polite_fail', {}, run)).toEqual({ ok: false, content: 'no such city' });
    const rude = await dispatcher.call('rude_fail', {}, run);
    expect(rude).toEqual({
      ok: false,
      content: 'internal error in rude_fail; the operator can find it in the OmniClaw log (run run-p)',
    });
    expect((await dispatcher.call('slow', {}, run)).content).toMatch(/^slow did not finish within/);
  });
});
