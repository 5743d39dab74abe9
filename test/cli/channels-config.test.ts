/** Editing omniclaw.yaml's channels: section without losing what the user wrote. */
import { describe, expect, it } from 'vitest';
import {
  readChannelSections,
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
