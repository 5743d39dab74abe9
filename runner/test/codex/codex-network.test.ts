/**
 * Codex must talk to nothing but the model provider (the host's gateway): no update checks,
 * analytics, plugin marketplace (`git ls-remote github.com/openai/plugins`) or app lookups.
 * One real turn runs in an empty network namespace (`unshare -rn`: only loopback, so nothing
 * can leave the machine) under strace, and every connect/sendto and exec is inspected.
 * Needs `unshare` (util-linux) with user namespaces and `strace`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const probe = fileURLToPath(new URL('./network-probe.ts', import.meta.url));

describe('codex runtime network use', () => {
  it('connects only to loopback and local sockets during a turn with a command and a tool call', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omniclaw-strace-'));
    const trace = join(dir, 'trace.txt');
    try {
      const script = [
        'ip link set lo up 2>/dev/null || true',
        `exec strace -f -qq -s 200 -e trace=connect,sendto,sendmsg,sendmmsg,execve -o ${JSON.stringify(trace)} ` +
          `${JSON.stringify(process.execPath)} ${JSON.stringify(join(root, 'node_modules/tsx/dist/cli.mjs'))} ${JSON.stringify(probe)}`,
      ].join('\n');
      const result = spawnSync('unshare', ['-rn', 'sh', '-c', script], {
        cwd: root,
        encoding: 'utf8',
        timeout: 90_000,
      });
      expect(result.error, 'needs unshare (util-linux) and strace installed').toBeUndefined();
      expect(result.stdout, result.stderr).toContain('PROBE-OK');

      const lines = readFileSync(trace, 'utf8').split('\n');
      const inet = lines.filter((l) => /sa_family=AF_INET6?/.test(l));
      const outside = inet.filter((l) => !/inet_addr\("127\.|inet_pton\(AF_INET6, "::1"/.test(l));
      expect(outside, 'connections or datagrams to non-loopback addresses').toEqual([]);
      const execs = lines.filter((l) => /execve\(/.test(l) && !/ENOENT/.test(l));
      expect(
        execs.filter((l) => /execve\("[^"]*\/(git|curl|wget)"/.test(l)),
        'network tools started by codex',
      ).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
