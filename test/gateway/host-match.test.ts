import { describe, expect, it } from 'vitest';
import {
  matchHost,
  parseAuthority,
  parseHostRule,
  parseHostRules,
  formatAuthority,
  HostRuleError,
} from '../../src/gateway/host-match.js';

describe('parseAuthority', () => {
  it.each([
    ['example.com:443', undefined, { host: 'example.com', port: 443 }],
    ['EXAMPLE.com.:443', undefined, { host: 'example.com', port: 443 }],
    ['example.com', 80, { host: 'example.com', port: 80 }],
    ['127.0.0.1:8080', undefined, { host: '127.0.0.1', port: 8080 }],
    ['[::1]:443', undefined, { host: '::1', port: 443 }],
    ['[2001:db8::1]', 80, { host: '2001:db8::1', port: 80 }],
  ])('parses %s', (value, defaultPort, expected) => {
    expect(parseAuthority(value, defaultPort)).toEqual(expected);
  });

  it.each([
    ['example.com', undefined, 'no port and no default'],
    ['example.com:0', undefined, 'port 0'],
    ['example.com:65536', undefined, 'port too large'],
    ['example.com:443x', undefined, 'junk port'],
    ['::1:443', undefined, 'unbracketed IPv6'],
    ['[::1', undefined, 'unclosed bracket'],
    ['[::1]x:443', undefined, 'junk after bracket'],
    ['[not-ip]:443', undefined, 'bracketed non-IPv6'],
    ['user@example.com:443', undefined, 'userinfo'],
    ['example.com:443\r\nX-Injected: 1', undefined, 'CRLF'],
    ['exa mple.com:443', undefined, 'space'],
    ['example.com/path:443', undefined, 'slash'],
    ['-bad.com:443', undefined, 'label starting with a hyphen'],
    ['', 443, 'empty'],
    [`${'a'.repeat(64)}.com:443`, undefined, 'label longer than 63'],
  ] as [string, number | undefined, string][])('refuses %j (%s)', (value, defaultPort) => {
    expect(parseAuthority(value, defaultPort)).toBeUndefined();
  });
});

describe('parseHostRule', () => {
  it.each([
    ['example.com', { kind: 'exact', host: 'example.com', port: undefined }],
    ['Example.COM.', { kind: 'exact', host: 'example.com', port: undefined }],
    ['*.example.com', { kind: 'suffix', host: 'example.com', port: undefined }],
    ['*.example.com:8443', { kind: 'suffix', host: 'example.com', port: 8443 }],
    ['api.example.com:8443', { kind: 'exact', host: 'api.example.com', port: 8443 }],
    ['*', { kind: 'any', host: '', port: undefined }],
    ['*:8080', { kind: 'any', host: '', port: 8080 }],
    ['127.0.0.1:4000', { kind: 'exact', host: '127.0.0.1', port: 4000 }],
    ['[::1]:443', { kind: 'exact', host: '::1', port: 443 }],
    ['localhost', { kind: 'exact', host: 'localhost', port: undefined }],
  ])('parses %s', (entry, expected) => {
    expect(parseHostRule(entry)).toMatchObject(expected);
  });

  it.each([
    ['', 'empty'],
    ['ex*ample.com', 'star inside a label'],
    ['*example.com', 'star without a dot'],
    ['a.*.example.com', 'star in the middle'],
    ['*.127.0.0.1', 'wildcard on an IP'],
    ['example.com:99999', 'bad port'],
    ['https://example.com', 'a URL, not a host'],
    ['example.com/path', 'a path'],
    ['*:x', 'bad port on any'],
  ])('refuses %j (%s)', (entry) => {
    expect(() => parseHostRule(entry)).toThrow(HostRuleError);
  });

  it('names the agent and the entry when a rule is invalid', () => {
    expect(() => parseHostRules(['ok.com', 'https://bad.com'], 'research')).toThrow(
      /agent "research".*"https:\/\/bad\.com"/,
    );
  });
});

describe('matchHost', () => {
  const rules = parseHostRules(
    ['example.com', '*.github.com', 'api.internal.test:8443', '127.0.0.1:4000', '*.ports.test:9000'],
    'a',
  );
  it.each([
    ['example.com', 443, true],
    ['example.com', 80, true],
    ['example.com', 22, false], // default ports are 443 and 80 only: no SSH through the proxy
    ['www.example.com', 443, false], // exact means exact
    ['github.com', 443, false], // *.github.com is subdomains only
    ['api.github.com', 443, true],
    ['a.b.github.com', 443, true],
    ['evilgithub.com', 443, false], // suffix must start at a label boundary
    ['github.com.evil.net', 443, false],
    ['api.internal.test', 8443, true],
    ['api.internal.test', 443, false], // an explicit port narrows the rule
    ['127.0.0.1', 4000, true],
    ['127.0.0.1', 4001, false],
    ['x.ports.test', 9000, true],
    ['x.ports.test', 443, false],
    ['unlisted.org', 443, false],
  ])('%s:%i allowed=%s', (host, port, allowed) => {
    expect(matchHost(rules, { host, port }).allowed).toBe(allowed);
  });

  it('never lets a wildcard match an IP literal', () => {
    const wildcards = parseHostRules(['*.0.0.1', '*.1'], 'a');
    expect(matchHost(wildcards, { host: '127.0.0.1', port: 443 }).allowed).toBe(false);
    expect(matchHost(wildcards, { host: 'x.0.0.1', port: 443 }).allowed).toBe(true);
  });

  it('lets "*" match any host on the default ports', () => {
    const any = parseHostRules(['*'], 'a');
    expect(matchHost(any, { host: 'anything.example', port: 443 }).allowed).toBe(true);
    expect(matchHost(any, { host: 'anything.example', port: 25 }).allowed).toBe(false);
  });

  it('prefers an exact rule over a wildcard (only exact rules may reach private addresses)', () => {
    const decision = matchHost(parseHostRules(['*', 'nas.lan'], 'a'), { host: 'nas.lan', port: 443 });
    expect(decision).toMatchObject({ allowed: true, rule: { kind: 'exact' } });
  });

  it('explains a refusal', () => {
    expect(matchHost(rules, { host: 'unlisted.org', port: 443 })).toEqual({
      allowed: false,
      reason: "host unlisted.org is not in the agent's allowHosts",
    });
    expect(matchHost(rules, { host: 'example.com', port: 22 })).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/port 22/),
    });
  });

  it('with no rules allows nothing', () => {
    expect(matchHost([], { host: 'example.com', port: 443 }).allowed).toBe(false);
  });
});

describe('formatAuthority', () => {
  it('brackets IPv6', () => {
    expect(formatAuthority({ host: '::1', port: 443 })).toBe('[::1]:443');
    expect(formatAuthority({ host: 'example.com', port: 80 })).toBe('example.com:80');
  });
});
