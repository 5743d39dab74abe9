/**
 * Direct model calls count against the budget: an agent that calls the model route itself
 * with its run token (as a prompt-injected agent with a shell can) is charged for every
 * call by the gateway, and refused once its agent's daily budget is spent. Real host,
 * real SQLite, real gateway, a fake Anthropic API; the test plays the agent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, until, type TestHost } from '../helpers/host.js';
import { startFakeAnthropic, text, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startOfDay } from '../../src/core/budget.js';
import { storeDatabase } from '../../src/store/index.js';
import { middayZone } from '../helpers/midday-zone.js';

let host: TestHost | undefined;
let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await host?.cleanup();
  await fake?.close();
  host = fake = undefined;
});

/** The fake answers every call with 12 input and 7 output tokens. */
const PER_CALL = 19;

async function hostWithBudget(dailyTokens: number): Promise<{ host: TestHost; fake: FakeAnthropic }> {
  const api = await startFakeAnthropic({ fallback: text('ok') });
  const started = await startTestHost(
    `
instance: { timezone: ${middayZone()} }
models:
  anthropic: { baseUrl: "${api.url}", apiKey: sk-ant-REAL-0123456789 }
agents:
  - { id: main, name: Main, main: true, sandbox: none, budget: { dailyTokens: ${dailyTokens} } }
routes:
  - { chat: "mem:main-chat", agent: main }
`,
    { gateway: true },
  );
  return { host: started, fake: api };
}

const usedToday = (h: TestHost): number => {
  const u = h.app.store.runs.usageSince('main', startOfDay(Date.now(), h.app.config.instance.timezone));
  return u.inputTokens + u.outputTokens;
};

function callModel(baseUrl: string, token: string, stream: boolean): Promise<Response> {
  return fetch(`${baseUrl}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({
      model: 'claude-x',
      max_tokens: 4096,
      stream,
      tools: [{ name: 't', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'x'.repeat(2000) }],
    }),
  });
}

describe('budgets at the gateway', () => {
  it('charges an agent for each of 5 direct model calls and refuses the next one over budget', async () => {
    ({ host, fake } = await hostWithBudget(5 * PER_CALL));
    const gateway = host.app.gateway!;
    host.app.store.runs.start({ id: 'run-direct', agent: 'main', chat: 'mem:main-chat' });
    const grant = gateway.grant({ runId: 'run-direct', agentId: 'main', allowHosts: [], transport: 'tcp' });
    const endpoint = grant.endpoints.anthropic!;

    for (let i = 1; i <= 5; i++) {
      const reply = await callModel(endpoint.baseUrl, endpoint.token, i % 2 === 0);
      expect(reply.status).toBe(200);
      await reply.text();
      await until(() => usedToday(host!) === i * PER_CALL, 5000, `call ${i} counted`);
    }
    expect(fake.requests).toHaveLength(5);
    const tokensMetric = await host.app.metrics.registry.getSingleMetricAsString('omniclaw_tokens_total');
    expect(tokensMetric).toContain('omniclaw_tokens_total{agent="main",kind="input"} 60');

    const refused = await callModel(endpoint.baseUrl, endpoint.token, false);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    const body = (await refused.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('permission_error');
    expect(body.error.message).toMatch(
      /^omniclaw gateway: Main's daily budget is spent \(95 of 95 tokens used today\)/,
    );
    expect(body.error.message).toContain('model calls are refused until it resets; do not retry');
    expect(fake.requests).toHaveLength(5);
    expect(usedToday(host)).toBe(5 * PER_CALL);

    // The next chat message is refused by the same budget, before any run starts.
    host.channel.receive('mem:main-chat', 'hello?');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1, 10_000, 'refusal');
    expect(host.channel.sentTo('mem:main-chat')[0]).toContain("Main's daily budget is spent");
    grant.revoke();
  });

  it('counts a run once: the runner’s own report adds only its cost, the tokens come from the gateway', async () => {
    ({ host, fake } = await hostWithBudget(1_000_000));
    host.channel.receive('mem:main-chat', 'hello');
    await until(() => host!.channel.sentTo('mem:main-chat').length === 1, 10_000, 'reply');
    const [run] = host.app.store.runs.recent();
    // The echo runner reports 10 + 5 tokens and $0.001 but makes no model call itself.
    await until(
      () =>
        (
          storeDatabase(host!.app.store)
            .prepare('SELECT cost_usd AS c FROM runs WHERE id = ?')
            .get(run!.id) as {
            c: number;
          }
        ).c > 0,
      5000,
      'cost recorded',
    );
    expect(
      storeDatabase(host!.app.store)
        .prepare('SELECT input_tokens AS i, output_tokens AS o, cost_usd AS c FROM runs WHERE id = ?')
        .get(run!.id),
    ).toEqual({
      i: 0,
      o: 0,
      c: 0.001,
    });
  });
});
