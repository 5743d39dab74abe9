/**
 * The model step of `omniclaw setup`: what an OpenAI-compatible server offers (GET /models),
 * and one real request with the new settings before anything is saved — the same live
 * checks `doctor` runs (count_tokens for Anthropic, the models list for the rest), on the
 * config as it would be written.
 */
import { parseConfigText } from '../config/load.js';
import { anthropicLiveCheck, openaiLiveCheck } from './doctor-remote.js';

/** The model ids the server lists; rejects with a sentence that says what to do. */
export async function listOpenAIModels(baseUrl: string, fetchImpl: typeof fetch = fetch): Promise<string[]> {
  const url = `${baseUrl.replace(/\/+$/, '')}/models`;
  let res: Response;
  try {
    res = await fetchImpl(url, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new Error(
      `The model server at ${baseUrl} could not be reached (${cause}). Start it (for Ollama: \`ollama serve\`) or check the URL.`,
      { cause: err },
    );
  }
  const body = (await res.json().catch(() => ({}))) as { data?: { id?: unknown }[] };
  if (!res.ok || !Array.isArray(body.data))
    throw new Error(
      `${url} answered HTTP ${res.status} without a model list; is it an OpenAI-compatible URL ending in /v1?`,
    );
  const ids = body.data.map((m) => m.id).filter((id): id is string => typeof id === 'string');
  if (ids.length === 0)
    throw new Error(`The model server at ${baseUrl} has no models yet (for Ollama: \`ollama pull qwen3\`).`);
  return ids;
}

/** Loads the config text as `start` would and asks the provider; rejects with the finding and its fix. */
export async function testModel(
  text: string,
  configPath: string,
  env: Record<string, string | undefined>,
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  const config = parseConfigText(text, configPath, { env });
  const check = (await anthropicLiveCheck(config, fetchImpl)) ?? (await openaiLiveCheck(config, fetchImpl));
  if (!check) throw new Error('No agent uses the chosen model; this is a bug in setup, please report it.');
  if (check.status !== 'ok') throw new Error(`${check.detail} ${check.fix ?? ''}`.trim());
  return check.detail;
}
