/**
 * The outbound half every adapter shares: parts in order, the first one replying (or
 * becoming the streamed preview's final edit), files after the text, one clear error when
 * there is nothing to send, and uploads checked before anything goes out.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkUpload, sendInParts, type PartSender } from '../../../src/channels/kit/outbound.js';

type Call = [kind: 'text' | 'edit' | 'file', content: string, replyTo: string | undefined];

function recorder(overrides: Partial<PartSender> = {}): { sender: PartSender; calls: Call[] } {
  const calls: Call[] = [];
  let next = 0;
  const sender: PartSender = {
    platform: 'Test',
    limit: 10,
    sendText: async (part, replyTo) => (calls.push(['text', part, replyTo]), `m${++next}`),
    editText: async (id, part, replyTo) => (calls.push(['edit', `${id}:${part}`, replyTo]), id),
    sendFile: async (path, replyTo) => (calls.push(['file', path, replyTo]), `f${++next}`),
    ...overrides,
  };
  return { sender, calls };
}

describe('sendInParts', () => {
  it('sends the parts in order, only the first replying, then the files, and returns the first id', async () => {
    const { sender, calls } = recorder();
    const sent = await sendInParts(
      'x:1',
      { text: 'aaaa bbbb cccc dddd', replyTo: 'r1', files: ['/tmp/a.txt'] },
      sender,
    );
    expect(sent).toEqual({ platformId: 'm1' });
    expect(calls).toEqual([
      ['text', 'aaaa bbbb', 'r1'],
      ['text', 'cccc dddd', undefined],
      ['file', '/tmp/a.txt', undefined],
    ]);
  });

  it('turns a streamed preview into the first part with a final edit; the rest are new messages', async () => {
    const { sender, calls } = recorder();
    const sent = await sendInParts('x:1', { text: 'aaaa bbbb cccc', edit: 'p9', replyTo: 'r1' }, sender);
    expect(sent).toEqual({ platformId: 'p9' });
    expect(calls).toEqual([
      ['edit', 'p9:aaaa bbbb', 'r1'],
      ['text', 'cccc', undefined],
    ]);
  });

  it('a message with files only replies with its first file', async () => {
    const { sender, calls } = recorder();
    const sent = await sendInParts('x:1', { text: '  ', replyTo: 'r1', files: ['/a', '/b'] }, sender);
    expect(sent).toEqual({ platformId: 'f1' });
    expect(calls).toEqual([
      ['file', '/a', 'r1'],
      ['file', '/b', undefined],
    ]);
  });

  it('renders the markdown for the dialect before splitting when the adapter names one', async () => {
    const { sender, calls } = recorder({ dialect: 'whatsapp', limit: 100 });
    await sendInParts('x:1', { text: '**bold** and ~~gone~~' }, sender);
    expect(calls).toEqual([['text', '*bold* and ~gone~', undefined]]);
  });

  it('refuses a message with no text and no files, naming the platform and the chat', async () => {
    const { sender, calls } = recorder();
    await expect(sendInParts('x:1', { text: '' }, sender)).rejects.toThrow(
      'Test: nothing to send to x:1 (empty text and no files)',
    );
    expect(calls).toEqual([]);
  });
});

describe('checkUpload', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omniclaw-upload-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ok.txt'), 'hello');
  mkdirSync(join(dir, 'folder'));

  it('accepts a regular file within the limit', async () => {
    await expect(checkUpload('Test', 'x:1', join(dir, 'ok.txt'), 5)).resolves.toBeUndefined();
  });

  it('refuses a folder or a missing file, and a file over the limit, saying which', async () => {
    await expect(checkUpload('Test', 'x:1', join(dir, 'folder'), 5)).rejects.toThrow(
      /^Test: cannot send .*folder to x:1: not a readable file$/,
    );
    await expect(checkUpload('Test', 'x:1', join(dir, 'nope'), 5)).rejects.toThrow(/not a readable file/);
    await expect(checkUpload('Test', 'x:1', join(dir, 'ok.txt'), 4)).rejects.toThrow(
      /ok\.txt is 5 bytes, over the 4-byte upload limit/,
    );
  });
});
