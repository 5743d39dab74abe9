/**
 * A second machine for tests: a real OpenSSH server on 127.0.0.1 (random port, its own host
 * key, one authorized key made here), started as our child with its own sshd_config, and a
 * second OmniClaw instance directory prepared by the real `omniclaw node init`. The "remote"
 * runs its agents in its own local sandbox (bwrap) from this checkout's build.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(PROJECT_ROOT, 'bin', 'omniclaw.js');
/** How the main machine runs the remote's omniclaw: this Node, this checkout's build. */
export const REMOTE_COMMAND = `${process.execPath} ${CLI}`;

export interface RemoteMachine {
  root: string;
  port: number;
  /** The remote instance directory. */
  home: string;
  identityFile: string;
  knownHostsFile: string;
  /** The `machines:` entry for the main config (YAML flow map). */
  entry(name: string, extra?: string): string;
  /** Pids of the processes serving our connections (sshd's children and everything below). */
  remotePids(): number[];
  /** Cuts every SSH connection (kills the per-connection sshd processes). */
  cutConnections(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

function descendants(pid: number): number[] {
  const out: number[] = [];
  let children: string;
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return out;
  }
  for (const child of children
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0)) {
    out.push(child, ...descendants(child));
  }
  return out;
}

export async function startRemoteMachine(options: { command?: string } = {}): Promise<RemoteMachine> {
  const root = mkdtempSync('/tmp/oc-ssh-');
  const home = join(root, 'remote');
  const keys = join(root, 'keys');
  mkdirSync(keys, { mode: 0o700 });
  mkdirSync('/run/sshd', { recursive: true });
  const hostKey = join(keys, 'host');
  const identityFile = join(keys, 'client');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', identityFile]);
  writeFileSync(join(keys, 'authorized_keys'), readFileSync(`${identityFile}.pub`), { mode: 0o600 });
  const port = await freePort();
  const knownHostsFile = join(keys, 'known_hosts');
  writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8')}`);
  const config = join(root, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(keys, 'authorized_keys')}`,
      'PidFile none',
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'AllowStreamLocalForwarding yes',
      'StreamLocalBindUnlink yes',
      'X11Forwarding no',
      'PermitTTY no',
      'MaxSessions 64',
      'MaxStartups 64',
      process.env.SSHD_DEBUG ? 'LogLevel DEBUG1' : 'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  execFileSync(
    process.execPath,
    [CLI, 'node', 'init', '--home', home, '--host', '127.0.0.1', '--name', 'box', '--sandbox', 'bwrap'],
    {
      encoding: 'utf8',
    },
  );

  let sshd: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (process.env.SSHD_DEBUG) process.stderr.write(c);
    });
    sshd = child;
    for (let i = 0; i < 200 && !(await canConnect(port)); i++) {
      if (child.exitCode !== null) throw new Error(`sshd exited: ${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const stop = async (): Promise<void> => {
    const child = sshd;
    sshd = undefined;
    if (!child || child.exitCode !== null) return;
    for (const pid of descendants(child.pid!)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  };
  await start();
  const command = options.command ?? REMOTE_COMMAND;
  return {
    root,
    port,
    home,
    identityFile,
    knownHostsFile,
    entry: (name, extra = '') =>
      `{ name: ${name}, ssh: "root@127.0.0.1:${port}", identityFile: "${identityFile}", knownHostsFile: "${knownHostsFile}", home: "${home}", command: "${command}"${extra ? `, ${extra}` : ''} }`,
    remotePids: () => (sshd?.pid ? descendants(sshd.pid) : []),
    cutConnections: () => {
      if (!sshd?.pid) return;
      const direct = execFileSync('ps', ['-o', 'pid=', '--ppid', String(sshd.pid)], { encoding: 'utf8' })
        .split('\n')
        .map((l) => Number(l.trim()))
        .filter((n) => n > 0);
      for (const pid of direct) process.kill(pid, 'SIGKILL');
    },
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}
