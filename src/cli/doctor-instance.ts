/**
 * Doctor checks of the instance and the machine around it: who owns the folders, where the
 * instance lives, disk space, the time zone schedules use, routes to chat apps that are not
 * set up, and a second OmniClaw (or anything else) on the HTTP port, and whether the
 * sandbox's uid can read the project the main agent is shown.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, sep } from 'node:path';
import type { Config } from '../config/normalise.js';
import type { InstancePaths } from '../config/paths.js';
import { channelOfChat } from '../domain/chat-id.js';
import { sandboxIdentity, type HostIdentity } from '../sandbox/folder-ownership.js';
import type { Check } from './doctor-checks.js';

/** Folders and files OmniClaw writes: another owner means it cannot (or someone else can). */
export function ownershipCheck(paths: InstancePaths, uid = process.getuid?.()): Check {
  const name = 'ownership';
  if (uid === undefined || !existsSync(paths.home))
    return { name, status: 'ok', detail: 'There is no instance folder to check yet.' };
  const candidates = [paths.home, paths.config, paths.envFile, paths.database, paths.groups, paths.sessions];
  const foreign = candidates.filter((p) => existsSync(p) && statSync(p).uid !== uid);
  if (!foreign.length) return { name, status: 'ok', detail: 'You own the instance folder and its files.' };
  const owner = statSync(foreign[0]!).uid;
  return {
    name,
    status: 'fail',
    detail: `${foreign.join(', ')} belong${foreign.length === 1 ? 's' : ''} to user ${owner}, not to you (user ${uid}): OmniClaw cannot keep them private.`,
    fix: `Run \`sudo chown -R ${uid} ${paths.home}\` (or run OmniClaw as the user who owns it).`,
  };
}

/** The main agent sees the project read-only: an instance inside it would show it its secrets. */
export function homeOutsideProjectCheck(paths: InstancePaths, projectRoot: string): Check {
  const name = 'instance location';
  const inside = relative(projectRoot, paths.home);
  if (inside === '' || (!inside.startsWith('..') && !inside.startsWith(sep)))
    return {
      name,
      status: 'fail',
      detail: `OMNICLAW_HOME (${paths.home}) is inside the project ${projectRoot}, which the main agent can read: it would see your secrets and every message.`,
      fix: `Move it out: \`mv ${paths.home} ~/.omniclaw\`, then unset OMNICLAW_HOME (or point it at the new place).`,
    };
  return { name, status: 'ok', detail: `The instance ${paths.home} lies outside the project.` };
}

/** What the rwx bits of `path` grant `who` (owner, group or other bits, as the kernel picks them). */
function grantedBits(path: string, who: HostIdentity): number {
  const s = statSync(path);
  if (s.uid === who.uid) return (s.mode >> 6) & 7;
  if (s.gid === who.gid) return (s.mode >> 3) & 7;
  return s.mode & 7;
}

/**
 * A host running as root runs agents as an unprivileged uid, which reads the project mount
 * with its own rights: a project folder closed to others (a clone made under `mktemp -d`,
 * umask 077) leaves the main agent an unreadable /workspace/project, and nothing else says so.
 */
export function projectReadableCheck(
  projectRoot: string,
  who: HostIdentity = sandboxIdentity(),
  hostUid = process.getuid?.(),
): Check {
  const name = 'project access';
  if (hostUid !== 0 || who.uid === 0)
    return { name, status: 'ok', detail: 'Agents run as you, so they can read the project.' };
  const bits = grantedBits(projectRoot, who);
  if ((bits & 5) === 5)
    return {
      name,
      status: 'ok',
      detail: `The sandbox user (${who.uid}) can read the project ${projectRoot}.`,
    };
  return {
    name,
    status: 'warn',
    detail: `The sandbox user (${who.uid}) cannot read the project ${projectRoot} (mode ${(statSync(projectRoot).mode & 0o777).toString(8)}), so the main agent sees an empty or unreadable /workspace/project.`,
    fix: `Run \`chmod o+rx ${projectRoot}\` (or \`omniclaw doctor --fix\`).`,
    repair: () => chmodSync(projectRoot, statSync(projectRoot).mode | 0o005),
  };
}

const MB = 1024 * 1024;

/** SQLite stops writing when the disk is full; messages are then held, not stored. */
export function diskSpaceCheck(paths: InstancePaths, statfs = statfsSync): Check {
  let dir = paths.home;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const s = statfs(dir);
  const free = Number(s.bavail) * Number(s.bsize);
  const freeText = free >= 1024 * MB ? `${(free / 1024 / MB).toFixed(1)} GB` : `${Math.floor(free / MB)} MB`;
  if (free < 200 * MB)
    return {
      name: 'disk space',
      status: 'fail',
      detail: `Only ${freeText} is free where the instance lives (${dir}); the database stops storing messages when it is full.`,
      fix: `Free some space on that disk (\`df -h ${dir}\` shows it), or move the instance to a larger one.`,
    };
  if (free < 1024 * MB)
    return {
      name: 'disk space',
      status: 'warn',
      detail: `Only ${freeText} is free where the instance lives (${dir}).`,
      fix: `Free some space on that disk (\`df -h ${dir}\` shows it) before it runs out.`,
    };
  return { name: 'disk space', status: 'ok', detail: `${freeText} is free where the instance lives.` };
}

/** Schedules fire in the instance's zone; a server left on UTC runs them at the wrong hour. */
export function timezoneCheck(configText: string | undefined, config: Config): Check {
  const zone = config.instance.timezone;
  const explicit = configText !== undefined && /^\s*timezone\s*:/m.test(configText);
  if (explicit)
    return { name: 'time zone', status: 'ok', detail: `Schedules use ${zone} (set in omniclaw.yaml).` };
  if (zone === 'UTC' || zone === 'Etc/UTC')
    return {
      name: 'time zone',
      status: 'warn',
      detail: 'Schedules use UTC, the machine’s time zone, because omniclaw.yaml sets none.',
      fix: 'If you live elsewhere, set `instance: { timezone: Europe/Berlin }` (your zone) in omniclaw.yaml.',
    };
  return { name: 'time zone', status: 'ok', detail: `Schedules use ${zone}, this machine's time zone.` };
}

const CHANNEL_LABELS: Record<string, string> = {
  telegram: 'Telegram',
  discord: 'Discord',
  slack: 'Slack',
  whatsapp: 'WhatsApp',
};

/** A route to a chat app that is not set up never receives a message. */
export function routeChecks(config: Config): Check[] {
  const checks: Check[] = [];
  for (const route of config.routes) {
    const channel = channelOfChat(route.chat);
    if (!channel || channel === 'local') continue;
    const section = (config.channels as Record<string, unknown>)[channel];
    const enabled =
      channel === 'whatsapp' ? (section as { enabled?: boolean } | undefined)?.enabled : section;
    if (enabled) continue;
    checks.push({
      name: `route ${route.chat}`,
      status: 'fail',
      detail: `The route from ${route.chat} to ${route.agent} needs ${CHANNEL_LABELS[channel] ?? channel}, which is not set up.`,
      fix: `Run \`omniclaw channels add ${channel}\`, or remove the route from omniclaw.yaml.`,
    });
  }
  if (!checks.length)
    checks.push({
      name: 'routes',
      status: 'ok',
      detail: 'Every route leads from a chat app that is set up.',
    });
  return checks;
}

/** Resolves true when nothing listens on host:port (port 0: always free). */
function portFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Other `omniclaw start` processes on this machine (Linux /proc), with their instance. */
export function otherDaemons(procRoot = '/proc', self = process.pid): { pid: number; home?: string }[] {
  if (!existsSync(procRoot)) return [];
  const found: { pid: number; home?: string }[] = [];
  for (const entry of readdirSync(procRoot)) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === self) continue;
    try {
      const argv = readFileSync(join(procRoot, entry, 'cmdline'), 'utf8').split('\0');
      const bin = argv.findIndex((a) => /omniclaw(\.js)?$/.test(a));
      if (bin < 0 || argv[bin + 1] !== 'start') continue;
      let home: string | undefined;
      try {
        home = readFileSync(join(procRoot, entry, 'environ'), 'utf8')
          .split('\0')
          .find((v) => v.startsWith('OMNICLAW_HOME='))
          ?.slice('OMNICLAW_HOME='.length);
      } catch {
        // Another user's process: its environment is not ours to read.
      }
      found.push({ pid, home });
    } catch {
      // Gone meanwhile, or not readable.
    }
  }
  return found;
}

/**
 * This instance's daemon not running, but its HTTP port taken: a second OmniClaw (or another
 * program) is in the way and `start` would fail. Other daemons on the machine are named too:
 * two instances with the same bot token take each other's messages.
 */
export async function secondInstanceChecks(
  config: Config,
  daemonRunning: boolean,
  others: { pid: number; home?: string }[],
): Promise<Check[]> {
  const checks: Check[] = [];
  const { host, port } = config.http;
  if (!daemonRunning && !(await portFree(host, port)))
    checks.push({
      name: 'http port',
      status: 'fail',
      detail: `Port ${port} on ${host} is taken by another program (a second OmniClaw?), so \`omniclaw start\` would fail.`,
      fix: `Stop that program (\`ss -ltnp 'sport = :${port}'\` names it), or set \`http: { port: ${port + 1} }\` in omniclaw.yaml.`,
    });
  // This instance's own daemon, when it runs, is one of them.
  const elsewhere = others;
  if (elsewhere.length > (daemonRunning ? 1 : 0))
    checks.push({
      name: 'second instance',
      status: 'warn',
      detail: `${elsewhere.length} OmniClaw daemons run on this machine (${elsewhere.map((o) => `pid ${o.pid}${o.home ? ` for ${o.home}` : ''}`).join(', ')}); two with the same bot token take each other's messages.`,
      fix: `Keep one per bot token: stop the others (\`kill ${elsewhere.map((o) => o.pid).join(' ')}\`) or give them their own bots.`,
    });
  if (!checks.length)
    checks.push({ name: 'second instance', status: 'ok', detail: 'No other OmniClaw is in the way.' });
  return checks;
}
