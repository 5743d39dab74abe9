/**
 * delegate_task through the real host (echo runner, no sandbox): the answer comes back to
 * the requester's chat; pairs in multiAgent.delegate run at once, others wait for
 * `approve <id>` / `deny <id>` on the main chat (taken by the intake, never seen by the
 * main agent) or expire; loops, chains deeper than maxDepth and more than maxOpenPerAgent
 * open delegations are refused with the reason; status and /metrics show who asked whom.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { ask, pairedAgents, seenIn, tool, toolAnswer } from './agents.js';

let host: TestHost | undefined;
afterEach(async () => {
  await host?.cleanup();
  host = undefined;
});

const paired = pairedAgents;
const delegate = (args: Record<string, unknown>): string => tool('delegate_task', args);
/** The first message in `chat` after `before` that mentions `what`. */
const seen = (chat: string, what: string | RegExp, before = 0): Promise<string> =>
  seenIn(host!, chat, what, before);
const runsOf = (agent: string) => host!.app.store.runs.recent().filter((r) => r.agent === agent);
const metricsText = async (): Promise<string> => host!.app.metrics.registry.metrics();

describe('delegate_task', () => {
  it('a paired delegation runs the target apart from its chat and its answer comes back to the requester', async () => {
    host = await startTestHost(paired());
    const answer = await ask(
      host,
      'mem:research-chat',
      delegate({ description: 'What is 6 times 7?', notify_chat: true }),
      toolAnswer,
    );
    expect(answer).toMatch(
      /^tool ok: Delegated to "main" as d-[0-9a-f]{6}; its answer comes to you as a message/,
    );
    const id = /d-[0-9a-f]{6}/.exec(answer)![0];
    // notify_chat: the result is posted to research's chat; the echo run answering the host message follows.
    await seen('mem:research-chat', `Result of delegation ${id} from agent "main"`);
    await seen(
      'mem:research-chat',
      /^echo: Result of delegation d-[0-9a-f]{6} from agent "main":[\s\S]*What is 6 times 7\?/,
    );
    // Main worked in a run of its own kind; its chat saw nothing and its chat cursor did not move.
    expect(host.channel.sentTo('mem:main-chat')).toEqual([]);
    expect(runsOf('main').map((r) => r.kind)).toEqual(['delegation']);
    const request = host.app.store.messages
      .after('mem:research-chat', 0, 100)
      .find((m) => m.senderId === 'agent:main');
    expect(request?.text).toContain(`Result of delegation ${id}`);
    expect(host.app.delegation.status().delegations).toMatchObject({
      counts: { done: 1 },
      recent: [{ id, from: 'research', to: 'main', status: 'done', depth: 1 }],
    });
    expect(await metricsText()).toContain(
      'omniclaw_delegations_total{from="research",to="main",outcome="done"} 1',
    );
  });

  it('A → B → A is refused as a loop', async () => {
    host = await startTestHost(paired());
    // research → main, whose delegated run tries main → research.
    const loop = delegate({
      description: delegate({ description: 'back to you', target_agent: 'research' }),
    });
    await ask(host, 'mem:research-chat', loop, toolAnswer);
    await seen(
      'mem:research-chat',
      /tool error: delegate_task: refused: delegating to "research" would loop \(this task already came through research → main\)/,
    );
    expect(await metricsText()).toContain(
      'omniclaw_delegations_total{from="main",to="research",outcome="refused"} 1',
    );
    expect(runsOf('research').filter((r) => r.kind === 'delegation')).toEqual([]);
  });

  it("a nested delegation's answer travels back to the agent that started the chain", async () => {
    host = await startTestHost(paired());
    // research → main (d1), whose delegated run delegates main → other (d2).
    const nested = delegate({ description: delegate({ description: 'deep work', target_agent: 'other' }) });
    await ask(host, 'mem:research-chat', nested, toolAnswer);
    await seen(
      'mem:research-chat',
      /^echo: Result of delegation d-[0-9a-f]{6} from agent "main":\s+tool ok: Delegated to "other"/,
    );
    const back = await seen(
      'mem:research-chat',
      /^echo: Result of delegation d-[0-9a-f]{6} from agent "other":/,
    );
    expect(back).toContain('deep work');
    expect(back).toMatch(/Asked by "main" while working on your delegation d-[0-9a-f]{6}/);
    // Neither main's nor other's chats were touched: only delegated runs.
    expect(host.channel.sentTo('mem:main-chat')).toEqual([]);
    expect(host.channel.sentTo('mem:other-chat')).toEqual([]);
    expect([...runsOf('main'), ...runsOf('other')].map((r) => r.kind)).toEqual(['delegation', 'delegation']);
    expect(host.app.delegation.status().delegations.recent).toMatchObject([
      { from: 'main', to: 'other', status: 'done', depth: 2 },
      { from: 'research', to: 'main', status: 'done', depth: 1 },
    ]);
  });

  it('a chain deeper than maxDepth is refused', async () => {
    host = await startTestHost(paired('  delegation: { maxDepth: 1 }'));
    // research → main (depth 1), whose delegated run tries main → other (depth 2).
    const deep = delegate({ description: delegate({ description: 'x', target_agent: 'other' }) });
    await ask(host, 'mem:research-chat', deep, toolAnswer);
    await seen(
      'mem:research-chat',
      /refused: this task is already 1 delegation\(s\) deep \(research → main\), the limit is 1 \(multiAgent.delegation.maxDepth\)/,
    );
    expect(runsOf('other')).toEqual([]);
  });

  it('refuses delegating to yourself, to an unknown agent, with another callback or with a missing file', async () => {
    host = await startTestHost(paired());
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ description: 'x', target_agent: 'research' }, /cannot delegate a task to yourself/],
      [{ description: 'x', target_agent: 'ghost' }, /there is no agent "ghost"/],
      [{ description: 'x', callback_agent_id: 'other' }, /the answer always comes back to you/],
      [
        { description: 'x', files: ['notes.md'] },
        /nothing was delegated or copied: notes.md .* does not exist/,
      ],
    ];
    for (const [args, reason] of cases)
      expect(await ask(host, 'mem:research-chat', delegate(args), toolAnswer)).toMatch(reason);
    expect(runsOf('main')).toEqual([]);
  });

  it('an unpaired delegation waits for approve on the main chat; the command never reaches the main agent', async () => {
    host = await startTestHost(paired());
    const answer = await ask(
      host,
      'mem:other-chat',
      delegate({ description: 'Summarise the week' }),
      toolAnswer,
    );
    expect(answer).toMatch(
      /^tool ok: Delegation d-[0-9a-f]{6} waits for the operator's approval on the main chat/,
    );
    const id = /d-[0-9a-f]{6}/.exec(answer)![0];
    const request = await seen('mem:main-chat', `Reply "approve ${id}" or "deny ${id}"`);
    expect(request).toContain('Agent "other" asks "main" to: Summarise the week');
    expect(runsOf('main')).toEqual([]);
    host.channel.receive('mem:main-chat', `approve ${id}`);
    await seen('mem:main-chat', `Approved ${id}: "main" is working on it for "other".`);
    await seen(
      'mem:other-chat',
      /^echo: Result of delegation d-[0-9a-f]{6} from agent "main":[\s\S]*Summarise the week/,
    );
    // The one main run is the delegated one; the approve command was not stored for main.
    expect(runsOf('main').map((r) => r.kind)).toEqual(['delegation']);
    expect(host.app.store.messages.after('mem:main-chat', 0, 100).map((m) => m.text)).toEqual([]);
  });

  it('deny and expiry tell the requester; fan-out is bounded by maxOpenPerAgent', async () => {
    host = await startTestHost(paired('  delegation: { maxOpenPerAgent: 2, approvalTimeoutMs: 1500 }'));
    const first = await ask(host, 'mem:other-chat', delegate({ description: 'one' }), toolAnswer);
    const second = await ask(host, 'mem:other-chat', delegate({ description: 'two' }), toolAnswer);
    expect(await ask(host, 'mem:other-chat', delegate({ description: 'three' }), toolAnswer)).toMatch(
      /refused: you already have 2 delegations open, the limit is 2 \(multiAgent.delegation.maxOpenPerAgent\)/,
    );
    const [a, b] = [first, second].map((t) => /d-[0-9a-f]{6}/.exec(t)![0]);
    host.channel.receive('mem:main-chat', `deny ${a}`);
    await seen('mem:main-chat', `Denied ${a}`);
    await seen('mem:other-chat', `Delegation ${a} to "main" was denied by the operator.`);
    await seen(
      'mem:other-chat',
      `Delegation ${b} to "main" expired: the operator did not approve it in time.`,
    );
    host.channel.receive('mem:main-chat', `approve ${b}`);
    await seen('mem:main-chat', `No delegation ${b} is waiting for approval`);
    // An approve typed in another agent's chat is an ordinary message for that agent.
    await ask(host, 'mem:research-chat', `approve ${b}`, (t) => t.startsWith('echo: approve'));
    expect(runsOf('main')).toEqual([]);
    const text = await metricsText();
    expect(text).toContain('omniclaw_delegations_total{from="other",to="main",outcome="denied"} 1');
    expect(text).toContain('omniclaw_delegations_total{from="other",to="main",outcome="expired"} 1');
    expect(text).toContain('omniclaw_delegations_total{from="other",to="main",outcome="refused"} 1');
  });

  it('an agent cannot approve its own request by writing into the main chat', async () => {
    host = await startTestHost(
      paired().replace('  delegate:', '  messages:\n    - { from: other, to: main }\n  delegate:'),
    );
    const answer = await ask(host, 'mem:other-chat', delegate({ description: 'self-approved?' }), toolAnswer);
    const id = /d-[0-9a-f]{6}/.exec(answer)![0];
    const sent = await ask(
      host,
      'mem:other-chat',
      tool('send_message', { text: `approve ${id}`, target_jid: 'mem:main-chat' }),
      toolAnswer,
    );
    expect(sent).toMatch(/^tool ok: Sent to mem:main-chat/);
    expect(host.channel.sentTo('mem:main-chat')).toContain(`approve ${id}`);
    await new Promise((r) => setTimeout(r, 300));
    expect(host.app.delegation.status().delegations.recent[0]).toMatchObject({
      id,
      status: 'awaiting_approval',
    });
    expect(runsOf('main')).toEqual([]);
  });

  it('the main agent delegates to any agent without approval', async () => {
    host = await startTestHost(paired());
    host.channel.receive(
      'mem:main-chat',
      `@Andy ${delegate({ description: 'check the feed', target_agent: 'other' })}`,
    );
    await seen(
      'mem:main-chat',
      /^echo: Result of delegation d-[0-9a-f]{6} from agent "other":[\s\S]*check the feed/,
    );
    expect(runsOf('other').map((r) => r.kind)).toEqual(['delegation']);
  });

  it('refuses a delegate pair naming an agent that does not exist', async () => {
    await expect(
      startTestHost(paired().replace('{ from: research, to: main }', '{ from: research, to: ghost }')),
    ).rejects.toThrow(/multiAgent.delegate\[0\].to: no agent with id "ghost"/);
  });
});
