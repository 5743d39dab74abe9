/**
 * `omniclaw node init`: makes this machine ready to run agents of a main machine. Creates
 * the instance directory (agent folders, run/ for the forwarded gateway socket, 0700),
 * writes a config naming the sandbox found here (so runs do not probe again), and returns
 * the `machines:` entry to paste into the main machine's omniclaw.yaml.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { arch, hostname, platform, userInfo } from 'node:os';
import { join } from 'node:path';
import { openNodeInstance } from './instance.js';

export interface NodeInitResult {
  home: string;
  sandbox?: string;
  why?: string;
  /** The line for the main machine's `machines:` list. */
  entry: string;
  wroteConfig: boolean;
}

export async function initNode(
  home: string,
  options: { host?: string; name?: string; sandbox?: string } = {},
): Promise<NodeInitResult> {
  for (const dir of [
    home,
    join(home, 'groups'),
    join(home, 'sessions'),
    join(home, 'run'),
    join(home, 'logs'),
  ]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  chmodSync(join(home, 'run'), 0o700);
  const found = await openNodeInstance(home).sandboxes();
  const config = join(home, 'omniclaw.yaml');
  let wroteConfig = false;
  if (!existsSync(config)) {
    const sandbox = options.sandbox ?? found.kinds[0] ?? 'auto';
    if (options.sandbox && !found.kinds.includes(options.sandbox)) {
      throw new Error(
        `the ${options.sandbox} sandbox does not work here (found: ${found.kinds.join(', ') || 'none'}; ${found.why ?? ''})`,
      );
    }
    writeFileSync(
      config,
      [
        '# This machine runs agents of a main OmniClaw machine over SSH (docs/machines.md).',
        '# No credentials belong here: model and web traffic go through the main machine.',
        `sandbox: { default: ${sandbox} }`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    wroteConfig = true;
  }
  const host = options.host ?? hostname();
  const name = (options.name ?? hostname().split('.')[0] ?? 'remote')
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, 32);
  const labels = [platform() === 'darwin' ? 'macos' : platform(), arch()];
  const entry = `- { name: ${name}, ssh: ${userInfo().username}@${host}, home: ${home}, labels: [${labels.join(', ')}] }`;
  return { home, sandbox: options.sandbox ?? found.kinds[0], why: found.why, entry, wroteConfig };
}
