/** The runtime contract (runtime-contract.ts) for `codex`: the Codex CLI. */
import { responsesModel } from './contract-models.js';
import { runtimeContract } from './runtime-contract.js';

runtimeContract({
  runtime: 'codex',
  model: 'fake-model',
  env: { OMNICLAW_MODEL_TIMEOUT_MS: '3000', OMNICLAW_MODEL_MAX_RETRIES: '0' },
  startModel: responsesModel,
});
