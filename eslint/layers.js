/**
 * The layers of the code, enforced: a lower layer never imports a higher one, the runner
 * imports nothing of the host outside src/protocol/, and the host never imports a model
 * SDK (those belong to the runner, inside the sandbox). docs/architecture.md draws the
 * same table.
 *
 * Written as ESLint's own no-restricted-imports with a regular expression per layer,
 * rather than a plugin that resolves paths: our imports are relative with .js endings for
 * .ts files, which a resolver would need configuring for, and a resolver that silently
 * fails to resolve would silently stop enforcing. A relative specifier climbing into a
 * forbidden folder is matched at any depth, because no layer has a subfolder named like
 * another layer (the runner, which does, has depth-exact rules of its own).
 */

/** What the core (and the scheduler beside it) may import. */
const CORE_ALLOWED = [
  'protocol',
  'domain',
  'observability',
  'config',
  'transport',
  'store',
  'gateway',
  'sandbox',
  'tools',
];

/** Host folders under src/, lowest first. A layer may import its own folder and the layers listed as allowed. */
const HOST_LAYERS = [
  { layer: 'protocol', allowed: [] },
  { layer: 'domain', allowed: ['protocol'] },
  { layer: 'observability', allowed: ['protocol', 'domain'] },
  { layer: 'config', allowed: ['protocol', 'domain', 'observability'] },
  { layer: 'transport', allowed: ['protocol', 'domain', 'observability', 'config'] },
  { layer: 'store', allowed: ['protocol', 'domain', 'observability', 'config'] },
  { layer: 'gateway', allowed: ['protocol', 'domain', 'observability', 'config'] },
  { layer: 'sandbox', allowed: ['protocol', 'domain', 'observability', 'config', 'gateway'] },
  { layer: 'tools', allowed: ['protocol', 'domain', 'observability', 'config', 'store'] },
  {
    layer: 'channels',
    allowed: ['protocol', 'domain', 'observability', 'config', 'transport', 'sandbox'],
  },
  { layer: 'core', allowed: CORE_ALLOWED },
  // The remote side of a machine (issue 15): runs agents in this machine's sandbox for a main machine.
  { layer: 'node', allowed: ['protocol', 'domain', 'observability', 'config', 'sandbox'] },
  // Scheduled tasks sit beside the chat path: they run through the core's agent queue.
  { layer: 'scheduler', allowed: [...CORE_ALLOWED, 'core'] },
  // delegate_task: delegated work runs as the scheduler's isolated task run.
  { layer: 'delegation', allowed: [...CORE_ALLOWED, 'core', 'scheduler'] },
];

/** Every folder of src/ that a host file might name; app.ts sits above all of them, the CLI above app.ts. */
const ALL_FOLDERS = [...HOST_LAYERS.map((l) => l.layer), 'cli', 'runner'];

const MODEL_SDKS = [
  '@anthropic-ai/claude-agent-sdk',
  '@anthropic-ai/sdk',
  'openai',
  '@openai/codex',
  '@opencode-ai/sdk',
];

/** The raw database stays inside the store: everyone else gets the store's operations. */
const storeDatabaseRule = {
  regex: '(^|/)store/index\\.js$',
  importNames: ['storeDatabase'],
  message: 'Only the store touches SQL: add an operation to the store instead of using its database.',
};

const modelSdkRule = {
  group: MODEL_SDKS.flatMap((name) => [name, `${name}/*`]),
  message: 'The host never imports a model SDK: model calls happen in the runner, inside the sandbox.',
};

function folderPattern(folders, message) {
  return { regex: `^(\\.\\./)+(${folders.join('|')})(/|\\.js$)`, message };
}

function hostLayerBlock({ layer, allowed }) {
  const forbidden = ALL_FOLDERS.filter((f) => f !== layer && !allowed.includes(f));
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            folderPattern(
              forbidden,
              `src/${layer}/ may import only ${allowed.join(', ') || 'nothing of ours'}.`,
            ),
            {
              regex: '^(\\.\\./)+app\\.js$',
              message: `src/${layer}/ must not import the composition root (app.ts).`,
            },
            modelSdkRule,
            storeDatabaseRule,
          ],
        },
      ],
    },
  };
}

/**
 * The runner package (runner/): files at depth 0 (runner/src/x.ts) and 1 (runner/src/sub/x.ts)
 * leave it with two or three `../`, and then may reach only src/protocol/.
 */
function runnerBlock(depth) {
  const up = '\\.\\./'.repeat(depth + 2);
  return {
    files: [depth === 0 ? 'runner/src/*.ts' : 'runner/src/*/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^${up}(?!src/protocol/)`,
              message:
                'The runner imports nothing of the host outside src/protocol/ (it runs inside the sandbox).',
            },
          ],
        },
      ],
    },
  };
}

const topBlocks = [
  {
    files: ['src/app.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\./(cli|runner)/',
              message: 'app.ts wires the host; it never imports the CLI or the runner.',
            },
            modelSdkRule,
            storeDatabaseRule,
          ],
        },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            folderPattern(['runner'], 'The CLI never imports the runner.'),
            modelSdkRule,
            storeDatabaseRule,
          ],
        },
      ],
    },
  },
];

export const layerRules = [...HOST_LAYERS.map(hostLayerBlock), ...topBlocks, runnerBlock(0), runnerBlock(1)];
export { HOST_LAYERS };
