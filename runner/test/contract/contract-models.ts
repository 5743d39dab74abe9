/** The fake model servers of test/fakes/, scripted in the contract's terms (runtime-contract.ts). */
import {
  apiError,
  drop,
  hang,
  startFakeAnthropic,
  text,
  toolUse,
} from '../../../test/fakes/fake-anthropic.js';
import { startFakeOpenAI } from '../../../test/fakes/fake-openai.js';
import { startFakeResponses } from '../../../test/fakes/fake-responses.js';
import type { ContractModel, ModelFailure } from './runtime-contract.js';

const TOKEN = 'run-token-contract';

/** The Anthropic Messages API; `toolName` is how the engine names the host's send_message. */
export async function anthropicModel(toolName: string): Promise<ContractModel> {
  const fake = await startFakeAnthropic();
  const failures: Record<ModelFailure, () => void> = {
    http_500: () => fake.script(apiError(500)),
    http_529: () => fake.script(apiError(529)),
    timeout: () => fake.script(hang()),
    cut_stream: () => fake.script(drop()),
  };
  return {
    endpoints: { anthropic: { baseUrl: fake.url, token: TOKEN } },
    text: (value) => fake.script(text(value)),
    sendMessage: (value) => fake.script(toolUse(toolName, { text: value })),
    failure: (kind) => {
      failures[kind]();
      // Engines that retry on their own get the same failure again, not the fallback.
      fake.fallback =
        kind === 'timeout'
          ? hang()
          : kind === 'cut_stream'
            ? drop()
            : apiError(kind === 'http_500' ? 500 : 529);
    },
    hang: () => fake.script(hang()),
    requests: () => fake.modelRequests().map((body) => JSON.stringify(body)),
    close: () => fake.close(),
  };
}

type OpenAIStyleStep = { kind: 'http_error'; status: number } | { kind: 'hang' } | { kind: 'drop' };

function failureStep(kind: ModelFailure): OpenAIStyleStep {
  if (kind === 'timeout') return { kind: 'hang' };
  if (kind === 'cut_stream') return { kind: 'drop' };
  return { kind: 'http_error', status: kind === 'http_500' ? 500 : 529 };
}

/** OpenAI-compatible Chat Completions (the openai runtime). */
export async function chatCompletionsModel(): Promise<ContractModel> {
  const api = await startFakeOpenAI();
  return {
    endpoints: { openai: { baseUrl: `${api.url}/v1`, token: TOKEN } },
    text: (value) => api.script({ kind: 'text', text: value, usage: { input: 20, output: 4 } }),
    sendMessage: (value) =>
      api.script({ kind: 'tool_calls', calls: [{ name: 'send_message', arguments: { text: value } }] }),
    failure: (kind) => {
      api.script(failureStep(kind));
      api.fallback(() => failureStep(kind));
    },
    hang: () => api.script({ kind: 'hang' }),
    requests: () => api.completions().map((r) => JSON.stringify(r.body)),
    close: () => api.close(),
  };
}

/** The Responses API as Codex uses it. */
export async function responsesModel(): Promise<ContractModel> {
  const api = await startFakeResponses();
  return {
    endpoints: { openai: { baseUrl: `${api.url}/v1`, token: TOKEN } },
    text: (value) => api.script({ kind: 'text', text: value, usage: { input: 20, output: 4 } }),
    sendMessage: (value) =>
      api.script({
        kind: 'function_call',
        namespace: 'mcp__omniclaw',
        name: 'send_message',
        arguments: { text: value },
      }),
    failure: (kind) => {
      api.script(failureStep(kind));
      api.fallback(() => failureStep(kind));
    },
    hang: () => api.script({ kind: 'hang' }),
    requests: () => api.modelRequests().map((r) => JSON.stringify(r.body)),
    close: () => api.close(),
  };
}
