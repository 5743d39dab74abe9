/** Editing omniclaw.yaml's channels: section without losing what the user wrote. */
import { describe, expect, it } from 'vitest';
import { defaultConfigText } from '../../src/config/init.js';
import { parseConfigText } from '../../src/config/load.js';
import {
  readChannelSections,
  readRouteChats,
  referencedVariables,
  removeChannelSection,
  setChannelSection,
} from '../../src/cli/channels-config.js';

describe('setChannelSection', () => {
  it.each([
    ['an empty file', ''],
    ['a file of comments only', '# nothing yet\n'],
    ['an empty channels key', 'channels:\n'],
    ['channels set to a scalar', 'channels: none\n'],
  ])('adds a channel to %s', (_name, text) => {
    const out = setChannelSection(text, 'slack', { botToken: '${SLACK_BOT_TOKEN}' });
    expect(readChannelSections(out)).toEqual({ slack: { botToken: '${SLACK_BOT_TOKEN}' } });
  });

  it('keeps comments, other sections and other channels, and replaces only its own section', () => {
    const text =
      '# head\ninstance:\n  name: Omni # inline\nchannels:\n  local:\n    enabled: true # keep local\n  slack:\n    botToken: old\n';
    const out = setChannelSection(text, 'slack', { botToken: '${SLACK_BOT_TOKEN}' });
    expect(out).toContain('# head');
    expect(out).toContain('name: Omni # inline');
    expect(out).toContain('enabled: true # keep local');
    expect(out).not.toContain('old');
  });

  it.each([
    ['a list at the top', '- a\n- b\n', /must be a mapping/],
    ['broken YAML', 'a: [\n', /not valid YAML/],
  ])('refuses %s', (_name, text, error) => {
    expect(() => setChannelSection(text, 'slack', {})).toThrow(error);
  });
});

describe('setChannelSection edits only its own lines', () => {
  const initial = defaultConfigText({ kind: 'anthropic', via: 'ANTHROPIC_API_KEY' });

  it('adds channels right under the commented template and leaves every other line as written', () => {
    const out = setChannelSection(initial, 'telegram', { token: '${TELEGRAM_BOT_TOKEN}' });
    const block = 'channels:\n  telegram:\n    token: ${TELEGRAM_BOT_TOKEN}\n';
    const templateEnd = initial.indexOf('sets these up for you.)\n') + 'sets these up for you.)\n'.length;
    expect(out).toBe(initial.slice(0, templateEnd) + block + initial.slice(templateEnd));
    // The one-line agent and the spacing before comments stay as they were.
    expect(out).toContain(
      '  - { id: main, main: true, runtime: claude, model: claude-sonnet-4-5, sandbox: auto }',
    );
    expect(out).toContain('host: 127.0.0.1   # /healthz');
    const env = { ANTHROPIC_API_KEY: 'k', TELEGRAM_BOT_TOKEN: '1:a' };
    expect(parseConfigText(out, 'omniclaw.yaml', { env }).channels.telegram?.token).toBe('1:a');
  });

  it('replaces an existing entry in place, a flow one included, and keeps the lines around it', () => {
    const text =
      'channels:\n  # chat apps\n  telegram: { token: ${OLD} }   # old one\n  local:   { enabled: true }\nagents: []  # none\n';
    const out = setChannelSection(text, 'telegram', { token: '${TELEGRAM_BOT_TOKEN}' });
    expect(out).toBe(
      'channels:\n  # chat apps\n  telegram:\n    token: ${TELEGRAM_BOT_TOKEN}\n  local:   { enabled: true }\nagents: []  # none\n',
    );
    const added = setChannelSection(out, 'slack', { botToken: '${B}', appToken: '${A}' });
    expect(added).toBe(
      out
        .replace('agents:', 'slack:\n    botToken: ${B}\n    appToken: ${A}\nagents:')
        .replace('\nslack', '\n  slack'),
    );
  });

  it('appends a channels section at the end when there is no template, after a blank line', () => {
    expect(setChannelSection('agents: []  # none', 'whatsapp', { enabled: true })).toBe(
      'agents: []  # none\n\nchannels:\n  whatsapp:\n    enabled: true\n',
    );
  });

  it('leaves channels: {} when the last channel is removed, which the loader accepts', () => {
    const { text } = removeChannelSection(
      'channels:\n  slack:\n    botToken: x\n    appToken: y\n# end\n',
      'slack',
    );
    expect(text).toBe('channels: {}\n# end\n');
    expect(parseConfigText(text, 'omniclaw.yaml', { env: {} }).channels.slack).toBeUndefined();
  });

  it('reads channels and routes written as flow maps with ${VAR} inside', () => {
    const text = 'channels:\n  telegram: { token: ${TG} }\nroutes:\n  - { chat: "tg:1", agent: main }\n';
    expect(readChannelSections(text)).toEqual({ telegram: { token: '${TG}' } });
    expect(readRouteChats(text)).toEqual(['tg:1']);
    expect(removeChannelSection(text, 'telegram').text).toBe(
      'channels: {}\nroutes:\n  - { chat: "tg:1", agent: main }\n',
    );
  });
});

describe('removeChannelSection and referencedVariables', () => {
  it('removes only the named channel and reports when there was none', () => {
    const text = 'channels:\n  local:\n    enabled: true\n  telegram:\n    token: ${TG}\n';
    const { text: out, removed } = removeChannelSection(text, 'telegram');
    expect(removed).toBe(true);
    expect(readChannelSections(out)).toEqual({ local: { enabled: true } });
    expect(removeChannelSection(out, 'telegram')).toEqual({ text: out, removed: false });
  });

  it.each([
    [{ token: '${A}' }, [{ key: 'token', variable: 'A' }]],
    [
      { url: 'https://${HOST}/x/${PATH_1}' },
      [
        { key: 'url', variable: 'HOST' },
        { key: 'url', variable: 'PATH_1' },
      ],
    ],
    [{ enabled: true, token: 'literal' }, []],
    [{ token: '${1BAD}' }, []],
  ])('finds the variables in %j', (section, expected) =>
    expect(referencedVariables(section)).toEqual(expected),
  );
});
