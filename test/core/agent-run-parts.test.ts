/** The parts of an agent run, each on its own: the turn book, the start command, the exit explanation. */
import { describe, expect, it } from 'vitest';
import type { AgentConfig, Route } from '../../src/config/normalise.js';
import type { StoredMessage } from '../../src/store/messages.js';
import { TurnBook } from '../../src/core/turn-book.js';
import { startCommand } from '../../src/core/start-command.js';
import { exitDetail, exitNotice } from '../../src/core/exit-notice.js';
import { failureNotice } from '../../src/core/failure-notice.js';
import { startCommandSchema } from '../../src/protocol/runner-protocol.js';

const agent = { id: 'main', name: 'Andy', main: true, trigger: '@Andy', runtime: 'claude' } as AgentConfig;
const triggered = { chat: 'c', agent: 'main', requiresTrigger: true } as Route;
const message = (id: number, text: string): StoredMessage =>
  ({ id, chat: 'c', platformId: `p${id}`, text, senderName: 'Ann', timestamp: id }) as StoredMessage;

describe('the turn book', () => {
  it('opens a turn for a batch, replying to the last message that triggers the agent', () => {
    const book = new TurnBook(4);
    const turn = book.begin(
      [message(5, '@Andy one'), message(6, '@Andy two'), message(7, 'aside')],
      agent,
      triggered,
    );
    expect(turn).toMatchObject({ lastMessageId: 7, triggerPlatformId: 'p6', answered: false, outboxIds: [] });
    expect(book.lastSentId).toBe(7);
    expect(book.open).toBe(1);
  });

  it('finds a turn by id, the oldest without one, and none for an id it never opened', () => {
    const book = new TurnBook(0);
    const first = book.begin([message(1, 'a')], agent, undefined);
    const second = book.begin([message(2, 'b')], agent, undefined);
    expect(book.find(undefined)).toBe(first);
    expect(book.find(second.id)).toBe(second);
    expect(book.find('unknown')).toBeUndefined();
    expect(book.lastOpenMessageId()).toBe(2);
  });

  it('closes only the turn reported done, and nothing for an unknown id', () => {
    const book = new TurnBook(0);
    const first = book.begin([message(1, 'a')], agent, undefined);
    const second = book.begin([message(2, 'b')], agent, undefined);
    expect(book.close('unknown')).toBeUndefined();
    expect(book.close(second.id)).toBe(second);
    expect(book.open).toBe(1);
    expect(book.lastOpenMessageId()).toBe(1);
    expect(book.close(first.id)).toBe(first);
    expect(book.lastOpenMessageId()).toBeUndefined();
  });
});

describe('the start command', () => {
  const launched = {
    workspace: { agentDir: '/w/a', globalDir: '/w/g', extraDirs: [], stateDir: '/w/s', inboxDir: '/w/inbox' },
    endpoints: {},
    httpProxy: 'http://proxy',
  };
  const tools = { definitions: () => [] };

  it('is a valid protocol message with the default model when the agent names none', () => {
    const command = startCommand({
      ...{ runId: 'r', turnId: 't', agent, prompt: 'hi', launched, tools },
      defaultModel: () => 'claude-default',
    });
    expect(startCommandSchema.safeParse(command).success).toBe(true);
    expect(command).toMatchObject({
      model: 'claude-default',
      sessionId: undefined,
      httpProxy: 'http://proxy',
    });
  });

  it('uses the agent’s own model and the session to resume', () => {
    const command = startCommand({
      ...{ runId: 'r', turnId: 't', agent: { ...agent, model: 'mine' }, prompt: 'hi', launched, tools },
      sessionId: 's1',
      defaultModel: () => 'claude-default',
    });
    expect(command).toMatchObject({ model: 'mine', sessionId: 's1' });
  });
});

describe('the exit explanation', () => {
  const exit = { code: 1, signal: null, stderrTail: 'a\nb\nc\nd\n' };

  it('logs the exit code and the last three stderr lines, and tells the chat none of them', () => {
    expect(exitDetail(exit, 60_000)).toBe('the agent runner exited (code 1): b | c | d');
    expect(exitNotice({}, 60_000)).toBe(failureNotice('runner'));
  });

  it('names the time limit and the resource limit', () => {
    expect(exitDetail({ ...exit, reason: 'timeout' }, 90_000)).toContain('its 90 s time limit');
    expect(exitNotice({ reason: 'timeout' }, 120_000)).toBe(failureNotice('timeout', { timeoutMs: 120_000 }));
    expect(exitNotice({ reason: 'limit' }, 1)).toBe(failureNotice('limit'));
    expect(exitDetail({ ...exit, reason: 'limit' }, 1)).toContain('memory or process limit');
  });

  it('gives the chat a sentence the host wrote, as it is for a sandbox that cannot run', () => {
    const disk = 'agent main was stopped: its files take 9 MB, over its 5 MB disk limit';
    expect(exitNotice({ detail: disk }, 1)).toBe(`Sorry, I could not answer your message: ${disk}`);
    expect(exitDetail({ ...exit, detail: disk }, 1)).toBe(disk);
    expect(exitNotice({ reason: 'unavailable', detail: 'build the image' }, 1)).toBe('build the image');
  });
});
