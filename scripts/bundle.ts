// The daemon and CLI as one minified ES module graph (dist/bundle/), built from tsc's dist/
// by esbuild. Why: V8 keeps every loaded module's source text in the JS heap, for as long as
// the process runs (to compile functions lazily and for Function.prototype.toString). With
// Telegram, Discord and Slack connected that was 5.9 MB of a 24 MB heap, spread over 870
// files; minified and in a few dozen chunks, idle RSS fell 80.2-80.6 -> 75.1-75.4 MB, and
// 64.3-64.5 -> 61.6 MB with the terminal chat alone (docs/performance.md).
//
// Code splitting keeps the CLI's lazy imports lazy: a platform's library is loaded only when
// that channel is configured. Chunks sit beside main.js, two folders below the project
// root as dist/<folder>/<file>.js was, so `new URL('../..', import.meta.url)` (PROJECT_ROOT)
// still finds it. Left outside the bundle: native addons (better-sqlite3), Baileys (loaded
// only for WhatsApp, with its own WebAssembly and protobuf files) and what the code loads
// with createRequire at run time (pino-pretty, qrcode-terminal, luxon).
// What a bundle cannot do: start a worker thread from a file beside a package's own code
// (pino's transports, @discordjs/ws's worker sharding look for it next to the bundle, by
// __dirname or import.meta.url). OmniClaw uses neither: the logger writes in its own thread
// (src/observability/logger.ts) and Discord runs one shard in the process.
// Source maps point back into dist/ and src/: `NODE_OPTIONS=--enable-source-maps` shows
// stack traces in the TypeScript sources (docs/operations.md).
import { build } from 'esbuild';
import { existsSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Packages that stay in node_modules, loaded by Node as they are. */
export const EXTERNAL: string[] = [
  'better-sqlite3',
  'baileys',
  // Optional speed-ups `ws` tries to require; not installed.
  'bufferutil',
  'utf-8-validate',
  'pino-pretty',
  'qrcode-terminal',
  'luxon',
];

/**
 * Bundles `entryPoints` (paths from the project root) into `outdir`, which must also be two
 * folders below the root (see above). Returns the output size in bytes.
 *
 * Built beside it first and then swapped in, so a failed build leaves the last good bundle,
 * and a command that starts meanwhile finds either the old bundle or the new one, whole.
 */
export async function bundle(entryPoints: string[], outdir: string): Promise<number> {
  const next = `${outdir}.next`;
  rmSync(join(ROOT, next), { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints,
    outdir: next,
    // Every file directly in the folder: a second entry point must not move main.js a folder deeper.
    entryNames: '[name]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    // Class and function names appear in logs and errors (`error.name`, `constructor.name`).
    keepNames: true,
    sourcemap: 'linked',
    external: EXTERNAL,
    // Bundled CommonJS packages call `require` for Node's own modules; an ES module has none.
    banner: {
      js: "import { createRequire as __omniclawCreateRequire } from 'node:module'; const require = __omniclawCreateRequire(import.meta.url);",
    },
    chunkNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const deeper = outputs.map(([path]) => path).filter((path) => dirname(path) !== next);
  if (deeper.length)
    throw new Error(`bundle: outputs below ${next}/ would miss the project root: ${deeper.join(', ')}`);
  const old = `${outdir}.old`;
  rmSync(join(ROOT, old), { recursive: true, force: true });
  if (existsSync(join(ROOT, outdir))) renameSync(join(ROOT, outdir), join(ROOT, old));
  renameSync(join(ROOT, next), join(ROOT, outdir));
  rmSync(join(ROOT, old), { recursive: true, force: true });
  return outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
}

/** What `npm run build` and the tests' global set-up bundle: the CLI, daemon included. */
export const bundleDaemon = (): Promise<number> => bundle(['dist/cli/main.js'], 'dist/bundle');

// Run as a script (`tsx scripts/bundle.ts`, also through a symlinked checkout), not imported.
const invoked = process.argv[1] && realpathSync(process.argv[1]);
if (invoked === realpathSync(fileURLToPath(import.meta.url))) await bundleDaemon();
