/**
 * The small parts of the runner: the live input queue, tool calls waiting for the host,
 * output lines that must fit the protocol bound, and the transcript archive.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES, parseRunnerEvent } from '../../../src/protocol/runner-protocol.js';
import { encodeFitting } from '../../src/protocol-io.js';
import { archiveTranscript, transcriptToMarkdown } from '../../src/runtimes/claude-archive.js';
import { InputQueue } from '../../src/runtimes/claude-input.js';
import { PendingToolCalls } from '../../src/tool-calls.js';

describe('InputQueue', () => {
  it('hands items to a waiting reader at once, buffers otherwise, and ends', async () => {
    const queue = new InputQueue<string>();
    const it = queue[Symbol.asyncIterator]();
    const waiting = it.next();
    queue.push('a');
    expect(await waiting).toEqual({ value: 'a', done: false });
    queue.push('b');
    queue.push('c');
    queue.end();
    expect(await it.next()).toEqual({ value: 'b', done: false });
    expect(await it.next()).toEqual({ value: 'c', done: false });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(() => queue.push('late')).toThrow(/closed/);
  });
});

describe('PendingToolCalls', () => {
  it('settles a call by id once, and refuses unknown ids', async () => {
    const calls = new PendingToolCalls();
    const { callId, outcome } = calls.open('send_message');
    expect(calls.settle('call-unknown', { ok: true, content: 'x' })).toBe(false);
    expect(calls.settle(callId, { ok: true, content: 'sent' })).toBe(true);
    expect(calls.settle(callId, { ok: true, content: 'again' })).toBe(false);
    expect(await outcome).toEqual({ ok: true, content: 'sent' });
  });

  it('fails waiting and later calls once the run ends', async () => {
    const calls = new PendingToolCalls();
    const waiting = calls.open('send_message').outcome;
    calls.closeAll('the run ended');
    expect(await waiting).toEqual({ ok: false, content: 'send_message: the run ended' });
    expect(await calls.open('list_agents').outcome).toEqual({ ok: false, content: 'the run ended' });
    expect(calls.size).toBe(0);
  });
});

describe('encodeFitting', () => {
  it('cuts an oversized reply to fit and says so', () => {
    const line = encodeFitting({ type: 'reply', turnId: 't', text: '"'.repeat(MAX_LINE_BYTES) });
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LINE_BYTES + 1);
    const event = parseRunnerEvent(line);
    expect(event).toMatchObject({ type: 'reply', turnId: 't' });
    expect((event as { text: string }).text).toMatch(/\[cut: the full text was \d+ characters/);
  });

  it('turns another oversized event into an error event', () => {
    const event = parseRunnerEvent(
      encodeFitting({
        type: 'tool_call',
        callId: 'c',
        turnId: 't',
        name: 'x',
        args: 'y'.repeat(MAX_LINE_BYTES),
      }),
    );
    expect(event).toMatchObject({ type: 'error', fatal: false, turnId: 't' });
  });
});

describe('transcript archive', () => {
  const transcript = [
    JSON.stringify({
      type: 'user',
      message: { role: 'user', content: 'What is on the list?' },
      timestamp: 'T1',
    }),
    JSON.stringify({ type: 'user', isMeta: true, message: { role: 'user', content: 'caveat' } }),
    JSON.stringify({
      type: 'user',
      message: { content: [{ type: 'text', text: '<system-reminder>x</system-reminder>' }] },
    }),
    '{ not json',
    JSON.stringify({
      type: 'assistant',
      message: {
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', name: 'Read', input: {} },
        ],
      },
    }),
    JSON.stringify({ type: 'summary', summary: 'ignored' }),
  ].join('\n');

  it('keeps the conversation text and drops meta entries, reminders and junk', () => {
    expect(transcriptToMarkdown(transcript, 'Archive')).toBe(
      [
        '# Archive',
        '',
        '**User** (T1):',
        '',
        'What is on the list?',
        '',
        '**Assistant**:',
        '',
        'Let me look.\n\n_(used Read)_',
        '',
      ].join('\n'),
    );
  });

  it('writes conversations/<time>-<session>.md inside the agent folder, whatever the session id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omniclaw-archive-'));
    try {
      writeFileSync(join(dir, 't.jsonl'), transcript);
      const file = await archiveTranscript(
        join(dir, 't.jsonl'),
        join(dir, 'agent'),
        '../../etc/passwd',
        new Date(0),
      );
      expect(file).toBe(join(dir, 'agent', 'conversations', '1970-01-01T00-00-00-000Z-etcpassw.md'));
      expect(readFileSync(file, 'utf8')).toContain('What is on the list?');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
