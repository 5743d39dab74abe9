/** Which model route an agent uses, and what a run is refused for when that route is not configured. */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { modelRefusal, modelRoute } from '../../src/core/run-checks.js';
import { opencodeModel } from '../../src/protocol/opencode-model.js';

function configWith(models: string, agent: string) {
  return parseConfigText(`models: ${models}\nagents:\n  - ${agent}\n`, 'run-checks.yaml', { env: {} });
}

describe('model route', () => {
  it.each([
    ['{ id: a, runtime: claude }', 'anthropic'],
    ['{ id: a, runtime: openai }', 'openai'],
    ['{ id: a, runtime: codex }', 'openai'],
    ['{ id: a, runtime: opencode }', 'anthropic'],
    ['{ id: a, runtime: opencode, model: anthropic/claude-haiku-4-5 }', 'anthropic'],
    ['{ id: a, runtime: opencode, model: claude-haiku-4-5 }', 'anthropic'],
    ['{ id: a, runtime: opencode, model: "openai/qwen2.5:7b" }', 'openai'],
    ['{ id: a, runtime: opencode, model: "llama3.1:8b" }', 'openai'],
  ])('%s goes to the %s route', (agent, route) => {
    expect(modelRoute(configWith('{}', agent).agents[0]!)).toBe(route);
  });

  it('strips the route from an opencode model name, keeping the rest (colons and slashes too)', () => {
    expect(opencodeModel('openai/org/model:q4')).toEqual({ route: 'openai', model: 'org/model:q4' });
    expect(opencodeModel('anthropic/claude-sonnet-4-5')).toEqual({
      route: 'anthropic',
      model: 'claude-sonnet-4-5',
    });
  });
});

describe('model refusal for an opencode agent', () => {
  it('asks for an Anthropic credential for an anthropic/… model', () => {
    const config = configWith(
      '{ openai: { baseUrl: "http://127.0.0.1:11434/v1" } }',
      '{ id: oc, runtime: opencode }',
    );
    expect(modelRefusal(config.agents[0]!, config.models, '/x/.env')?.userText).toMatch(
      /no Anthropic credential/,
    );
  });

  it('asks for an OpenAI-compatible endpoint for an openai/… model, and runs once there is one', () => {
    const agent = '{ id: oc, runtime: opencode, model: "openai/qwen2.5:7b" }';
    const without = configWith('{ anthropic: { apiKey: sk-ant-x } }', agent);
    expect(modelRefusal(without.agents[0]!, without.models, '/x/.env')?.userText).toMatch(
      /no OpenAI-compatible endpoint/,
    );
    const withIt = configWith('{ openai: { baseUrl: "http://127.0.0.1:11434/v1" } }', agent);
    expect(modelRefusal(withIt.agents[0]!, withIt.models, '/x/.env')?.userText).toBeUndefined();
  });
});
