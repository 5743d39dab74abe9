/** The checks before a run give typed refusals: a kind and the sentence for the chat. */
import { describe, expect, it } from 'vitest';
import type { AgentConfig, Config } from '../../src/config/normalise.js';
import { createRunCheck, modelRefusal } from '../../src/core/run-checks.js';
import { Refusal, UserFacingError } from '../../src/core/failure-notice.js';

const agent = (over: Partial<AgentConfig> = {}): AgentConfig =>
  ({ id: 'main', name: 'Andy', runtime: 'claude', ...over }) as AgentConfig;
const instance = { timezone: 'Europe/Berlin' } as Config['instance'];
const noUsage = {
  usageSince: () => ({
    runs: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    failedAttempts: 0,
  }),
};

describe('run checks', () => {
  it('refuses a Claude agent without an Anthropic credential as a no-model refusal', () => {
    const refusal = modelRefusal(agent(), {}, '/home/.env');
    expect(refusal).toBeInstanceOf(Refusal);
    expect(refusal).toBeInstanceOf(UserFacingError);
    expect(refusal?.kind).toBe('no-model');
    expect(refusal?.userText).toContain(
      'ANTHROPIC_API_KEY=sk-ant-… (or CLAUDE_CODE_OAUTH_TOKEN=…) to /home/.env',
    );
  });

  it('refuses an OpenAI-runtime agent without an endpoint, and passes one with it', () => {
    expect(modelRefusal(agent({ runtime: 'openai' }), {}, '.env')?.kind).toBe('no-model');
    const models = { openai: { baseUrl: 'http://127.0.0.1:1/v1' } } as Config['models'];
    expect(modelRefusal(agent({ runtime: 'openai' }), models, '.env')).toBeUndefined();
  });

  it('refuses an agent whose daily budget is spent as a budget refusal, after the model check', () => {
    const models = { anthropic: { apiKey: 'sk-ant-x' } } as Config['models'];
    const spent = {
      usageSince: () => ({
        runs: 3,
        inputTokens: 600,
        outputTokens: 500,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0,
        failedAttempts: 0,
      }),
    };
    const check = createRunCheck({
      config: { models, instance },
      envFile: '.env',
      runs: spent,
      now: () => 0,
    });
    const refusal = check(agent({ budget: { dailyTokens: 1000 } }));
    expect(refusal?.kind).toBe('budget');
    expect(refusal?.userText).toMatch(/^Andy's daily budget is spent \(1,100 of 1,000 tokens used today\)/);
    expect(check(agent())).toBeUndefined();
    const noModel = createRunCheck({ config: { models: {}, instance }, envFile: '.env', runs: noUsage });
    expect(noModel(agent({ budget: { dailyTokens: 1000 } }))?.kind).toBe('no-model');
  });
});
