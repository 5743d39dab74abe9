import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../src/channels/split-message.js';

const words = (n: number, word = 'word'): string => Array.from({ length: n }, () => word).join(' ');
const squash = (s: string): string => s.replace(/\s+/g, '');
const fenceLines = (chunk: string): number => chunk.split('\n').filter((l) => /^ {0,3}```/.test(l)).length;
const hasLoneSurrogate = (s: string): boolean =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('splitMessage', () => {
  it.each([
    { name: 'empty text', text: '', limit: 10, expected: [] },
    { name: 'whitespace only', text: ' \n\n \t', limit: 10, expected: [] },
    { name: 'short text unchanged', text: 'hello', limit: 10, expected: ['hello'] },
    { name: 'exactly the limit', text: '0123456789', limit: 10, expected: ['0123456789'] },
    {
      name: 'paragraph boundary first',
      text: 'aaaa bbbb\n\ncccc dddd',
      limit: 12,
      expected: ['aaaa bbbb', 'cccc dddd'],
    },
    { name: 'line boundary', text: 'aaaa bbbb\ncccc dddd', limit: 12, expected: ['aaaa bbbb', 'cccc dddd'] },
    { name: 'word boundary', text: 'aaaa bbbb cccc dddd', limit: 12, expected: ['aaaa bbbb', 'cccc dddd'] },
    {
      name: 'hard cut of one long word',
      text: 'abcdefghijklmnop',
      limit: 5,
      expected: ['abcde', 'fghij', 'klmno', 'p'],
    },
    {
      name: 'prefers the later paragraph over an earlier line break',
      text: 'one\ntwo three\n\nfour five six',
      limit: 20,
      expected: ['one\ntwo three', 'four five six'],
    },
  ])('$name', ({ text, limit, expected }) => {
    expect(splitMessage(text, limit)).toEqual(expected);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => splitMessage('x', 0)).toThrow(/positive integer/);
    expect(() => splitMessage('x', 1.5)).toThrow(/positive integer/);
  });

  it('keeps every chunk within the limit and loses no text', () => {
    const text = Array.from({ length: 40 }, (_, i) => `Paragraph ${i}: ${words(30 + (i % 7))}`).join('\n\n');
    for (const limit of [50, 200, 2000, 4096]) {
      const chunks = splitMessage(text, limit);
      for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(limit);
      expect(squash(chunks.join(''))).toBe(squash(text));
    }
  });

  it('moves a code block whole to the next chunk when it fits there', () => {
    const code = '```ts\n' + Array.from({ length: 10 }, (_, i) => `const v${i} = ${i};`).join('\n') + '\n```';
    const text = `Intro line.\n${code}`;
    const chunks = splitMessage(text, code.length + 2);
    expect(chunks).toEqual(['Intro line.', code]);
  });

  it('closes and reopens a code block, with its language, when the block itself is too long', () => {
    const body = Array.from({ length: 60 }, (_, i) => `print(${i})  # line ${i}`).join('\n');
    const text = `Here is the script:\n\n\`\`\`python\n${body}\n\`\`\`\n\nDone.`;
    const chunks = splitMessage(text, 300);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(300);
      expect(fenceLines(chunk) % 2).toBe(0);
    }
    const reopened = chunks.slice(2, -1);
    for (const chunk of reopened) expect(chunk.startsWith('```python\n')).toBe(true);
    expect(chunks.at(-1)).toMatch(/Done\.$/);
    const unwrapped = chunks.map((c) => c.replace(/^```python\n/, '').replace(/\n```$/, '')).join('\n');
    expect(squash(unwrapped)).toContain(squash(body));
  });

  it('does not reopen a fence whose info string is hostile and huge', () => {
    const text = '```' + 'x'.repeat(500) + '\n' + 'line\n'.repeat(100) + '```';
    const chunks = splitMessage(text, 100);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(100);
    expect(squash(chunks.join(''))).toBe(squash(text));
  });

  it.each([
    { name: 'emoji (surrogate pairs)', text: '😀'.repeat(3000), limit: 4096 },
    { name: 'emoji ZWJ family sequences', text: '👨‍👩‍👧‍👦'.repeat(600), limit: 2000 },
    { name: 'RTL and zero-width characters', text: 'שלום\u200Bעולם\u200F مرحبا '.repeat(500), limit: 100 },
    { name: 'lone surrogates survive as they came', text: 'a\uD800b'.repeat(2000), limit: 333 },
  ])('never cuts through a character: $name', ({ text, limit }) => {
    const chunks = splitMessage(text, limit);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(limit);
    if (!hasLoneSurrogate(text)) for (const chunk of chunks) expect(hasLoneSurrogate(chunk)).toBe(false);
    expect(squash(chunks.join(''))).toBe(squash(text));
  });

  it('keeps ZWJ sequences whole on a hard cut', () => {
    const family = '👨‍👩‍👧‍👦';
    const chunks = splitMessage(family.repeat(100), 50);
    for (const chunk of chunks) expect(chunk.length % family.length).toBe(0);
  });

  it('splits a megabyte of text without stalling', () => {
    const text = 'x'.repeat(1_000_000);
    const chunks = splitMessage(text, 4096);
    expect(chunks.length).toBe(Math.ceil(1_000_000 / 4096));
    expect(chunks.join('')).toBe(text);
  });

  it('handles a limit of one', () => {
    expect(splitMessage('ab c', 1)).toEqual(['a', 'b', 'c']);
  });
});
