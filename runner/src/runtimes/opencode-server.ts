/**
 * Starts the OpenCode engine as `opencode serve` on 127.0.0.1 and waits for the URL it prints.
 *
 * Not the SDK's createOpencodeServer: that runs whatever `opencode` is first on PATH with the
 * runner's whole environment, waits a fixed 5 s (a cold start on a loaded machine takes
 * longer) and kills only the direct child. Here the binary is the one pinned in this
 * package, the environment is the one opencode-config.ts builds, and the engine runs in its
 * own process group so a stop ends it with the shell commands and MCP servers it started.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CappedBuffer } from '../tools/bounded-text.js';

export interface OpencodeServer {
  url: string;
  pid: number | undefined;
  /** Resolves when the engine has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The end of what the engine wrote, for error messages. */
  output(): string;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface OpencodeServerSpec {
  /** argv[0..] of the engine; default the binary of OpenCode's platform package. */
  command?: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  startTimeoutMs: number;
}

/**
 * The engine binary: OpenCode's platform package for this machine, as the `opencode-ai`
 * wrapper's postinstall would pick it (the AVX2 build, else the baseline one). The runner
 * depends on the platform packages directly: the registry this project installs from has
 * only the linux-x64 ones, and the wrapper's other optional packages would leave a lock
 * that `npm ci` refuses.
 */
export function defaultOpencodeCommand(): string[] {
  const require = createRequire(import.meta.url);
  const platform = `${process.platform}-${process.arch}`;
  const avx2 = (() => {
    try {
      return /(^|\s)avx2(\s|$)/.test(readFileSync('/proc/cpuinfo', 'utf8'));
    } catch {
      return false;
    }
  })();
  const names = avx2 ? ['', '-baseline'] : ['-baseline', ''];
  for (const suffix of names) {
    try {
      return [
        join(dirname(require.resolve(`opencode-${platform}${suffix}/package.json`)), 'bin', 'opencode'),
      ];
    } catch {
      // not installed for this machine; try the next
    }
  }
  throw new Error(
    `the OpenCode engine is not installed for ${platform} (the runner ships opencode-linux-x64); run the agent on linux-x64 or pick another runtime`,
  );
}

const LISTENING = /opencode server listening on (https?:\/\/\S+)/;

export function startOpencodeServer(spec: OpencodeServerSpec): Promise<OpencodeServer> {
  const [program, ...baseArgs] = spec.command ?? defaultOpencodeCommand();
  // Port 0 lets the engine choose; inside a sandbox it has a network namespace of its own.
  const args = [...baseArgs, 'serve', '--hostname', '127.0.0.1', '--port', '0'];
  const child = spawn(program!, args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = new CappedBuffer(8_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (err) => {
      output.push(Buffer.from(`\nfailed to start the OpenCode engine (${program}): ${err.message}`));
      resolve({ code: null, signal: null });
    });
  });
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const stop = async (graceMs = 2_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    // Shell commands the engine started may outlive it in the group.
    signalGroup('SIGKILL');
  };

  return new Promise((resolve, reject) => {
    let seen = '';
    let ready = false;
    const timer = setTimeout(() => {
      void stop(0);
      reject(
        new Error(`the OpenCode engine did not start within ${spec.startTimeoutMs} ms: ${tail(output)}`),
      );
    }, spec.startTimeoutMs);
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.stdout.on('data', (chunk: Buffer) => {
      output.push(chunk);
      if (ready) return;
      seen += chunk.toString();
      const match = LISTENING.exec(seen);
      if (!match) return;
      clearTimeout(timer);
      ready = true;
      resolve({ url: match[1]!, pid: child.pid, exited, output: () => output.toString(), stop });
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `the OpenCode engine exited (${signal ?? `code ${code}`}) before it was ready: ${tail(output)}`,
        ),
      );
    });
  });
}

const tail = (buffer: CappedBuffer): string =>
  buffer
    .toString()
    .split('\n')
    .filter((line) => line.trim() && !line.includes('OPENCODE_SERVER_PASSWORD is not set'))
    .slice(-4)
    .join(' ')
    .slice(0, 800) || 'no output';
