/**
 * Which hosts an agent may reach through the gateway's web proxy: pure parsing and
 * matching, no I/O.
 *
 * Rule grammar (one string each, from `agents[].network.allowHosts` in omniclaw.yaml):
 *   example.com          exactly that host, ports 443 and 80
 *   *.example.com        any subdomain (a.example.com, a.b.example.com), not example.com itself
 *   *                    any host, ports 443 and 80
 *   example.com:8443     that host, only port 8443 (a port narrows a rule to that one port)
 *   192.0.2.7, [2001:db8::1]:443, localhost:8080    address literals work like exact hosts
 * Wildcard rules never match an IP literal (`*.0.0.1` must not match 127.0.0.1), and only
 * exact rules may reach a private or loopback address (see target-policy.ts).
 */
import { isIP } from 'node:net';

/** Ports a rule without an explicit port allows: HTTPS through CONNECT, HTTP through absolute URIs. */
export const DEFAULT_ALLOWED_PORTS: readonly number[] = [443, 80];

export interface HostRule {
  kind: 'any' | 'exact' | 'suffix';
  /** Lower-case host without brackets; for 'suffix' the part after "*." ; '' for 'any'. */
  host: string;
  /** Undefined: DEFAULT_ALLOWED_PORTS. */
  port?: number;
  /** The rule as written, for log lines and refusal reasons. */
  source: string;
}

export interface Authority {
  /** Lower-case, no trailing dot, IPv6 without brackets. */
  host: string;
  port: number;
}

export type HostDecision = { allowed: true; rule: HostRule } | { allowed: false; reason: string };

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

/** Lower-cases, drops one trailing dot and IPv6 brackets; undefined when not a valid host. */
export function normaliseHost(raw: string): string | undefined {
  let host = raw.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    return isIP(host) === 6 ? host : undefined;
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (isIP(host) === 4) return host;
  return HOSTNAME.test(host) ? host : undefined;
}

function parsePort(raw: string): number | undefined {
  if (!/^\d{1,5}$/.test(raw)) return undefined;
  const port = Number(raw);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * Splits "host:port", "[v6]:port" or (with a default port) a bare host. Undefined for
 * anything else, including characters a request line could use to smuggle data (spaces,
 * CR/LF, "@", "/").
 */
export function parseAuthority(value: string, defaultPort?: number): Authority | undefined {
  if (!value || value.length > 300 || /[\s@/\\?#]/.test(value)) return undefined;
  let hostPart: string;
  let portPart: string | undefined;
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close < 0) return undefined;
    hostPart = value.slice(0, close + 1);
    const after = value.slice(close + 1);
    if (after && !after.startsWith(':')) return undefined;
    portPart = after ? after.slice(1) : undefined;
  } else {
    const colons = value.split(':').length - 1;
    if (colons > 1) return undefined; // a bare IPv6 literal needs brackets
    [hostPart, portPart] = colons === 1 ? (value.split(':') as [string, string]) : [value, undefined];
  }
  const host = normaliseHost(hostPart);
  const port = portPart === undefined ? defaultPort : parsePort(portPart);
  if (!host || port === undefined) return undefined;
  return { host, port };
}

export class HostRuleError extends Error {}

/** Parses one allowHosts entry; throws HostRuleError saying what is wrong with it. */
export function parseHostRule(entry: string): HostRule {
  const source = entry;
  const text = entry.trim().toLowerCase();
  const explain = (why: string): HostRuleError =>
    new HostRuleError(
      `allowHosts entry "${source}" ${why} (expected e.g. "example.com", "*.example.com", "api.example.com:8443")`,
    );
  if (text === '*') return { kind: 'any', host: '', port: undefined, source };
  if (text.startsWith('*:')) {
    const port = parsePort(text.slice(2));
    if (port === undefined) throw explain('has an invalid port');
    return { kind: 'any', host: '', port, source };
  }
  const wildcard = text.startsWith('*.');
  if (!wildcard && text.includes('*')) throw explain('may only use "*" as a whole leading label');
  const authority = parseAuthority(wildcard ? text.slice(2) : text, 0);
  if (!authority) throw explain('is not a valid host[:port]');
  const port = authority.port === 0 ? undefined : authority.port;
  if (wildcard) {
    if (isIP(authority.host)) throw explain('puts a wildcard on an IP address');
    return { kind: 'suffix', host: authority.host, port, source };
  }
  return { kind: 'exact', host: authority.host, port, source };
}

/** Parses every entry; the error names the agent so the operator knows where to look. */
export function parseHostRules(entries: readonly string[], agentId: string): HostRule[] {
  return entries.map((entry) => {
    try {
      return parseHostRule(entry);
    } catch (err) {
      throw new HostRuleError(`agent "${agentId}": ${(err as Error).message}`);
    }
  });
}

function portAllowed(rule: HostRule, port: number): boolean {
  return rule.port === undefined ? DEFAULT_ALLOWED_PORTS.includes(port) : rule.port === port;
}

function hostMatches(rule: HostRule, host: string): boolean {
  switch (rule.kind) {
    case 'any':
      return true;
    case 'exact':
      return rule.host === host;
    case 'suffix':
      return isIP(host) === 0 && host.endsWith(`.${rule.host}`);
  }
}

/** Decides whether `target` is allowed by any rule. Exact rules win over wildcards. */
export function matchHost(rules: readonly HostRule[], target: Authority): HostDecision {
  const byHost = rules.filter((rule) => hostMatches(rule, target.host));
  if (!byHost.length) {
    return { allowed: false, reason: `host ${target.host} is not in the agent's allowHosts` };
  }
  const byPort = byHost.filter((rule) => portAllowed(rule, target.port));
  const exact = byPort.find((rule) => rule.kind === 'exact');
  const chosen = exact ?? byPort[0];
  if (!chosen) {
    return {
      allowed: false,
      reason: `port ${target.port} of ${target.host} is not allowed (rules: ${byHost.map((r) => r.source).join(', ')})`,
    };
  }
  return { allowed: true, rule: chosen };
}

/** "host:port" with IPv6 bracketed, for log lines and Host headers. */
export function formatAuthority({ host, port }: Authority): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
