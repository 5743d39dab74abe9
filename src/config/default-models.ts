/** The model an agent runs when its config names none: one per runtime. */
import type { AgentConfig } from './normalise.js';
import { OPENCODE_DEFAULT_MODEL } from '../protocol/opencode-model.js';

export const DEFAULT_MODELS: Readonly<Record<AgentConfig['runtime'], string>> = {
  claude: 'claude-sonnet-4-5',
  openai: 'gpt-4o-mini',
  codex: 'gpt-5-codex',
  opencode: OPENCODE_DEFAULT_MODEL,
};

export const defaultModel = (agent: Pick<AgentConfig, 'runtime'>): string => DEFAULT_MODELS[agent.runtime];
