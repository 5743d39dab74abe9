/**
 * Which IP addresses count as "inside" (loopback, private, link-local, cloud metadata, …):
 * a wildcard allowHosts rule must never lead an agent there, or `*.nip.io`-style names
 * (or a DNS answer the agent's web page controls) would open the host's own services —
 * the omniclaw HTTP port, the gateway itself, a router's admin page, 169.254.169.254.
 * Pure functions, no I/O.
 */
import { isIP } from 'node:net';

/** IPv4 ranges that are not the public internet (RFC 6890 and friends). */
const PRIVATE_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

function v4ToInt(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function inV4Range(address: string, [base, bits]: readonly [string, number]): boolean {
  const size = 2 ** (32 - bits);
  return Math.floor(v4ToInt(address) / size) === Math.floor(v4ToInt(base) / size);
}

/** Expands an IPv6 literal to eight 16-bit numbers (an embedded dotted IPv4 tail included). */
export function expandV6(address: string): number[] {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const n = v4ToInt(v4Tail[1]!);
    text = text.slice(0, -v4Tail[1]!.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - headParts.length - tailParts.length;
  return [...headParts, ...Array<string>(missing).fill('0'), ...tailParts].map((h) => parseInt(h, 16));
}

function embeddedV4(words: number[]): string {
  const [a, b] = [words[6]!, words[7]!];
  return `${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
}

function isPrivateV6(address: string): boolean {
  const w = expandV6(address);
  const zeroUpTo = (n: number): boolean => w.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(7) && (w[7] === 0 || w[7] === 1)) return true; // :: and ::1
  if (zeroUpTo(5) && w[5] === 0xffff) return isPrivateAddress(embeddedV4(w)); // ::ffff:a.b.c.d
  if (w[0] === 0x64 && w[1] === 0xff9b && w.slice(2, 6).every((x) => x === 0))
    return isPrivateAddress(embeddedV4(w)); // NAT64
  const first = w[0]!;
  if ((first & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((first & 0xff00) === 0xff00) return true; // multicast
  if (first === 0x2001 && w[1] === 0x0db8) return true; // documentation
  return false;
}

/** True for any address that is not plainly on the public internet. Non-IP input: true. */
export function isPrivateAddress(address: string): boolean {
  switch (isIP(address)) {
    case 4:
      return PRIVATE_V4.some((range) => inV4Range(address, range));
    case 6:
      return isPrivateV6(address);
    default:
      return true;
  }
}
