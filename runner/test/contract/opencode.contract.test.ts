/** The runtime contract (runtime-contract.ts) for `opencode`: the OpenCode engine, Anthropic route. */
import { anthropicModel } from './contract-models.js';
import { runtimeContract } from './runtime-contract.js';

runtimeContract({
  runtime: 'opencode',
  model: 'anthropic/claude-fake',
  env: { OMNICLAW_MODEL_TIMEOUT_MS: '8000', OMNICLAW_MODEL_MAX_RETRIES: '0' },
  startModel: () => anthropicModel('omniclaw_send_message'),
});
