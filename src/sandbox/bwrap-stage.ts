/**
 * How a root host starts bwrap without handing the agent root: bwrap runs as an
 * unprivileged host uid (setpriv from util-linux), so the sandbox's user namespace maps to
 * that uid and nothing the agent does counts as root on the host (kernel settings, setuid
 * files, files it leaves in shared folders).
 *
 * That uid cannot open the instance home (0700, root's), so the folders bwrap binds are
 * staged first, as root, in a private mount namespace that only this run sees: a small
 * tmpfs over the stage folder, one bind mount per source (`<stage>/<n>`), then the drop to
 * the unprivileged uid and bwrap, which binds from the stage. Nothing is mounted on the
 * host, and the namespace (and its mounts) ends with the run. The sources are realpaths
 * whose parents belong to the host, so an agent cannot redirect a staged bind.
 */
import { join } from 'node:path';
import type { HostIdentity } from './folder-ownership.js';

/** Argument list: <stage> <source>... -- <command>...; each source is bound at <stage>/<n>. */
const STAGE_SCRIPT = `set -eu
stage=$1; shift
mount -t tmpfs -o mode=0755,size=1m omniclaw-stage "$stage"
n=0
while [ "$1" != "--" ]; do
  if [ -d "$1" ]; then mkdir "$stage/$n"; else : > "$stage/$n"; fi
  mount --bind "$1" "$stage/$n"
  n=$((n + 1)); shift
done
shift
exec "$@"`;

export const stagedPath = (stageDir: string, index: number): string => join(stageDir, String(index));

/** Pure: the command that stages `sources`, drops to `runAs` and runs bwrap with `args`. */
export function privilegeDropCommand(o: {
  stageDir: string;
  sources: readonly string[];
  runAs: HostIdentity;
  bwrap: string;
  args: readonly string[];
}): string[] {
  return [
    '/usr/bin/unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    '/bin/sh',
    '-c',
    STAGE_SCRIPT,
    'omniclaw-stage',
    o.stageDir,
    ...o.sources,
    '--',
    ...dropTo(o.runAs),
    o.bwrap,
    ...o.args,
  ];
}

/** setpriv: real and effective ids both, no supplementary groups (root's would stay). */
export const dropTo = (runAs: HostIdentity): string[] => [
  '/usr/bin/setpriv',
  `--reuid=${runAs.uid}`,
  `--regid=${runAs.gid}`,
  '--clear-groups',
  '--',
];
