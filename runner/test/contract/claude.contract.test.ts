/** The runtime contract (runtime-contract.ts) for `claude`: the Claude Agent SDK engine. */
import { anthropicModel } from './contract-models.js';
import { runtimeContract } from './runtime-contract.js';

runtimeContract({
  runtime: 'claude',
  model: 'claude-sonnet-4-5',
  env: { CLAUDE_CODE_MAX_RETRIES: '0', API_TIMEOUT_MS: '3000' },
  startModel: () => anthropicModel('mcp__omniclaw__send_message'),
});
