import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/runtimes/openai-messages.js';
import { DROPPED_OUTPUT, fitHistory } from '../../src/runtimes/openai-history.js';

const user = (text: string): ChatMessage => ({ role: 'user', content: text });
const assistant = (text: string): ChatMessage => ({ role: 'assistant', content: text });
const call = (id: string): ChatMessage => ({
  role: 'assistant',
  content: null,
  tool_calls: [{ id, type: 'function', function: { name: 'bash', arguments: '{}' } }],
});
const result = (id: string, size: number): ChatMessage => ({
  role: 'tool',
  tool_call_id: id,
  content: 'r'.repeat(size),
});
const size = (messages: ChatMessage[]): number =>
  messages.reduce((sum, m) => sum + JSON.stringify(m).length, 0);

describe('fitHistory', () => {
  it('leaves a conversation within budget alone', () => {
    const messages = [user('a'), assistant('b')];
    expect(fitHistory(messages, 10_000)).toBe(0);
    expect(messages).toEqual([user('a'), assistant('b')]);
  });

  it('drops the oldest whole turns, keeping tool calls paired with their results', () => {
    const messages = [
      user('old'),
      call('c1'),
      result('c1', 5_000),
      assistant('old answer'),
      user('mid'),
      assistant('mid answer'),
      user('new'),
    ];
    fitHistory(messages, 300);
    expect(messages).toEqual([user('mid'), assistant('mid answer'), user('new')]);
  });

  it('never drops the current turn; blanks its older tool outputs instead, keeping the latest ones', () => {
    const messages: ChatMessage[] = [user('task')];
    for (let i = 0; i < 8; i += 1) messages.push(call(`c${i}`), result(`c${i}`, 2_000));
    fitHistory(messages, 12_000);
    const outputs = messages
      .filter((m): m is Extract<ChatMessage, { role: 'tool' }> => m.role === 'tool')
      .map((m) => m.content);
    expect(messages[0]).toEqual(user('task'));
    expect(outputs.filter((o) => o === DROPPED_OUTPUT).length).toBeGreaterThan(0);
    expect(outputs.slice(-4).every((o) => o !== DROPPED_OUTPUT)).toBe(true);
    expect(size(messages)).toBeLessThanOrEqual(12_000);
  });

  it('keeps the last turn even when it alone exceeds the budget and nothing can be blanked', () => {
    const messages = [user('x'.repeat(5_000))];
    fitHistory(messages, 100);
    expect(messages).toHaveLength(1);
  });
});
