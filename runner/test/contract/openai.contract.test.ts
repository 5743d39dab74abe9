/** The runtime contract (runtime-contract.ts) for `openai`: its own tool loop, in the runner process. */
import { chatCompletionsModel } from './contract-models.js';
import { runtimeContract } from './runtime-contract.js';

runtimeContract({
  runtime: 'openai',
  model: 'fake-model',
  env: { OMNICLAW_MODEL_TIMEOUT_MS: '3000', OMNICLAW_MODEL_MAX_RETRIES: '0' },
  startModel: chatCompletionsModel,
  inProcess: true,
});
