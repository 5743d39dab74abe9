/**
 * Idle host memory: the daemon as a real subprocess (`node bin/omniclaw.js start`, a temp
 * OMNICLAW_HOME), once with every channel that can be faked over the wire connected
 * (Telegram, Discord, Slack against the fakes in test/fakes/, plus the terminal chat) and
 * once with only the terminal chat. WhatsApp stays disabled: Baileys speaks WhatsApp's
 * Noise-encrypted protocol to WhatsApp's servers and there is no fake for it here.
 * Readiness comes from /readyz; then the daemon idles 20 s and VmRSS is read from /proc.
 * OMNICLAW_BENCH_NODE_FLAGS (e.g. "--max-semi-space-size=1") is passed to node, to measure
 * one V8 setting at a time; OMNICLAW_BENCH_RSS_ONLY=daemon skips the per-platform host runs.
 * The terminal-only daemon runs a second time with its stderr on a terminal (util-linux
 * `script` gives it one), as when a person types `omniclaw start`: logs are pretty there.
 * Needs a build (`npm run build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/app.js';
import { startFakeDiscord } from '../test/fakes/fake-discord.js';
import { startFakeSlack } from '../test/fakes/fake-slack.js';
import { startFakeTelegram } from '../test/fakes/fake-telegram.js';
import { round, type BenchResult } from './types.js';
import { bundle } from '../scripts/bundle.js';

const IDLE_MS = 20_000;
const NODE_FLAGS = (process.env.OMNICLAW_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

/** The node flags a script's `#!/usr/bin/env -S node …` line gives it, as `omniclaw start` runs it. */
function shebangFlags(script: string): string[] {
  const first = readFileSync(join(PROJECT_ROOT, script), 'utf8').split('\n')[0] ?? '';
  const match = /^#!\/usr\/bin\/env -S node (.+)$/.exec(first);
  return match ? match[1]!.split(' ').filter(Boolean) : [];
}
const READY_TIMEOUT_MS = 60_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

interface Readiness {
  ok: boolean;
  checks: { name: string; ok: boolean; detail?: string }[];
}

async function readyz(port: number): Promise<Readiness | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    return (await response.json()) as Readiness;
  } catch {
    return undefined; // not listening yet
  }
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(' ').pop() ?? NaN);
}

/**
 * The real daemon, and the host alone (startApp without the CLI's other commands), bundled
 * as `npm run build` bundles the daemon (scripts/bundle.ts); node flags from `shebang`.
 */
const PROGRAMS = {
  daemon: {
    script: 'bin/omniclaw.js',
    shebang: 'bin/omniclaw.js',
    args: ['start'],
    what: '`omniclaw start`',
  },
  bare: {
    script: 'dist/bench/bare-daemon.js',
    shebang: 'bench/fixtures/bare-daemon.mjs',
    args: [],
    what: 'startApp alone, no CLI',
  },
} as const;

/** The Node process under `root` (itself included) running `needle`, not the shell that started it. */
function processUnder(root: number, needle: string): number | undefined {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const isUnder = (pid: number): boolean => {
    for (let p: number | undefined = pid; p && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...parent.keys()].find((pid) => {
    if (!isUnder(pid)) return false;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv[0] === process.execPath && argv.includes(needle);
    } catch {
      return false;
    }
  });
}

/** Starts the daemon with `yaml`, waits for channels connected + 5 s idle, measures, stops it. */
async function idleDaemon(
  program: keyof typeof PROGRAMS,
  channels: string,
  yaml: (port: number) => string,
  options: { onTerminal?: boolean } = {},
): Promise<BenchResult[]> {
  const { script, shebang, args, what } = PROGRAMS[program];
  const where = options.onTerminal ? ', stderr a terminal' : '';
  const label = `${channels}, ${what}${where}${NODE_FLAGS.length ? ` (${NODE_FLAGS.join(' ')})` : ''}`;
  const home = mkdtempSync(join(tmpdir(), 'omniclaw-bench-rss-'));
  const port = await freePort();
  writeFileSync(join(home, 'omniclaw.yaml'), yaml(port), { mode: 0o600 });
  let stderr = '';
  const command = [
    process.execPath,
    ...shebangFlags(shebang),
    ...NODE_FLAGS,
    join(PROJECT_ROOT, script),
    ...args,
  ];
  const quoted = command.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const daemon: ChildProcess = spawn(
    options.onTerminal ? 'script' : command[0]!,
    options.onTerminal ? ['-qfec', quoted, '/dev/null'] : command.slice(1),
    {
      env: {
        PATH: process.env.PATH,
        HOME: home,
        OMNICLAW_HOME: home,
        OMNICLAW_LOG_LEVEL: 'warn',
        // glibc allocator settings, to measure them one at a time (performance.md's table).
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_'))),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  daemon.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  try {
    const began = Date.now();
    let ready: Readiness | undefined;
    for (;;) {
      ready = await readyz(port);
      if (ready?.checks.find((c) => c.name === 'channels')?.ok) break;
      if (daemon.exitCode !== null) throw new Error(`${label}: daemon exited early: ${stderr}`);
      if (Date.now() - began > READY_TIMEOUT_MS)
        throw new Error(`${label}: channels not connected: ${JSON.stringify(ready)} ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const readyMs = Date.now() - began;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const pid = options.onTerminal ? processUnder(daemon.pid!, join(PROJECT_ROOT, script)) : daemon.pid;
    if (!pid) throw new Error(`${label}: no daemon process under script(1)`);
    const rss = statusField(pid, 'VmRSS');
    // Where it goes: code and module files mapped from disk, or memory the process wrote.
    const anon = statusField(pid, 'RssAnon');
    const file = statusField(pid, 'RssFile');
    const mb = async (name: string): Promise<number> => (await metric(port, name)) / 1024 / 1024;
    const heap = await mb('omniclaw_nodejs_heap_size_used_bytes');
    const heapTotal = await mb('omniclaw_nodejs_heap_size_total_bytes');
    // Buffers and other memory V8 is told about but does not keep in its heap.
    const external = await mb('omniclaw_nodejs_external_memory_bytes');
    return [
      {
        name: `idle RSS, ${label}`,
        value: round(rss, 1),
        unit: 'MB',
        // Issue 12's targets: 80 MB with every channel connected, 65 MB with the terminal chat alone.
        target: channels === 'terminal chat only' ? '≤ 65 MB' : '≤ 80 MB',
        note: `VmRSS after ${IDLE_MS / 1000} s idle (anonymous ${round(anon, 1)} MB, file-backed ${round(file, 1)} MB); JS heap used ${round(heap, 1)} MB of ${round(heapTotal, 1)}, external ${round(external, 1)} MB`,
      },
      { name: `daemon spawn → channels connected (/readyz), ${label}`, value: readyMs, unit: 'ms' },
    ];
  } finally {
    // script(1) would leave its child to the terminal's hangup: stop the daemon itself first.
    const underScript = options.onTerminal
      ? processUnder(daemon.pid!, join(PROJECT_ROOT, script))
      : undefined;
    if (underScript) process.kill(underScript, 'SIGTERM');
    daemon.kill('SIGTERM');
    const deadline = setTimeout(() => daemon.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(deadline);
    rmSync(home, { recursive: true, force: true });
  }
}

export default async function idleRssBench(): Promise<BenchResult[]> {
  if (process.env.OMNICLAW_BENCH_RSS_ONLY !== 'daemon')
    await bundle(['bench/fixtures/bare-daemon.mjs'], 'dist/bench');
  const tg = await startFakeTelegram();
  const dc = await startFakeDiscord();
  const slack = await startFakeSlack();
  const common = (port: number): string[] => [
    `http: { host: 127.0.0.1, port: ${port} }`,
    'models: { anthropic: { baseUrl: "http://127.0.0.1:9", apiKey: "sk-ant-bench-0123456789" } }',
    'agents: [{ id: main, main: true, sandbox: bwrap }]',
  ];
  const sections: Record<string, string> = {
    telegram: `  telegram: { token: "${tg.token}", apiRoot: "${tg.apiRoot}" }`,
    discord: `  discord: { token: "${dc.token}", api: "${dc.api}" }`,
    slack: `  slack: { botToken: "xoxb-fake-bot-token", appToken: "xapp-fake-app-token", apiUrl: "${slack.apiUrl}" }`,
  };
  const withChannels =
    (...names: string[]) =>
    (port: number): string =>
      [
        ...common(port),
        'channels:',
        ...names.map((n) => sections[n]!),
        '  whatsapp: { enabled: false }',
      ].join('\n');
  try {
    const results: BenchResult[] = [];
    const only = process.env.OMNICLAW_BENCH_RSS_ONLY;
    for (const program of only === 'daemon' ? (['daemon'] as const) : (['daemon', 'bare'] as const)) {
      results.push(
        ...(await idleDaemon(
          program,
          'terminal + telegram + discord + slack',
          withChannels(...Object.keys(sections)),
        )),
      );
      results.push(...(await idleDaemon(program, 'terminal chat only', withChannels())));
    }
    results.push(...(await idleDaemon('daemon', 'terminal chat only', withChannels(), { onTerminal: true })));
    // What each platform library adds, on the host alone.
    for (const name of only === 'daemon' ? [] : Object.keys(sections)) {
      results.push(...(await idleDaemon('bare', `terminal + ${name}`, withChannels(name))));
    }
    return results;
  } finally {
    await Promise.all([tg.close(), dc.close(), slack.close()]);
  }
}
