/**
 * The proxy's decision for one target: is it in the run's allowHosts, and which address
 * do we connect to. The name is resolved once here and the connection goes to that
 * address, so a DNS answer cannot change between the check and the connect.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { matchHost, type Authority, type HostRule } from './host-match.js';
import { isPrivateAddress } from './address-policy.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name; injected so tests never touch real DNS. */
export type HostResolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = (host) => dnsLookup(host, { all: true, verbatim: true });

export type TargetDecision =
  { allowed: true; address: string; rule: HostRule } | { allowed: false; status: 403 | 502; reason: string };

export async function decideTarget(
  rules: readonly HostRule[],
  target: Authority,
  resolve: HostResolver,
): Promise<TargetDecision> {
  const match = matchHost(rules, target);
  if (!match.allowed) return { allowed: false, status: 403, reason: match.reason };
  let addresses: ResolvedAddress[];
  if (isIP(target.host)) {
    addresses = [{ address: target.host, family: isIP(target.host) }];
  } else {
    try {
      addresses = await resolve(target.host);
    } catch (err) {
      return {
        allowed: false,
        status: 502,
        reason: `cannot resolve ${target.host}: ${(err as NodeJS.ErrnoException).code ?? 'lookup failed'}`,
      };
    }
  }
  if (!addresses.length)
    return { allowed: false, status: 502, reason: `cannot resolve ${target.host}: no addresses` };
  // Only a rule that names the host exactly is an operator's decision to reach a private
  // address (a NAS on the LAN, a local service); a wildcard never is.
  const mayBePrivate = match.rule.kind === 'exact';
  const usable = mayBePrivate ? addresses : addresses.filter((a) => !isPrivateAddress(a.address));
  const chosen = usable[0];
  if (!chosen) {
    return {
      allowed: false,
      status: 403,
      reason: `${target.host} resolves to a private or loopback address, which wildcard rule "${match.rule.source}" does not allow (name the host exactly to allow it)`,
    };
  }
  return { allowed: true, address: chosen.address, rule: match.rule };
}
