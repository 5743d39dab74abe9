/**
 * The runtime table: a runtime name to a lazy constructor, so a runner loads only the engine
 * its agent uses (the Claude engine alone is a large native binary, the others need none).
 */
import type { RuntimeTable } from '../runtime.js';

export const runtimeTable: RuntimeTable = {
  claude: async () => (await import('./claude.js')).createClaudeRuntime(),
  openai: async () => (await import('./openai.js')).createOpenAIRuntime(),
  codex: async () => (await import('./codex.js')).createCodexRuntime(),
  opencode: async () => (await import('./opencode.js')).createOpencodeRuntime(),
};
