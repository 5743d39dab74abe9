import { describe, expect, it } from 'vitest';
import { RunTokens, TOKEN_PREFIX } from '../../src/gateway/tokens.js';

const identity = { runId: 'r1', agentId: 'a1', rules: [] };

describe('RunTokens', () => {
  it('mints prefixed 256-bit tokens and finds the run by its token only', () => {
    const tokens = new RunTokens();
    const { token } = tokens.mint(identity);
    expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url')).toHaveLength(32);
    expect(tokens.lookup(token)).toMatchObject({ runId: 'r1', agentId: 'a1' });
    expect(tokens.lookup(token.slice(0, -1))).toBeUndefined();
    expect(tokens.lookup(token.slice(TOKEN_PREFIX.length))).toBeUndefined();
    expect(tokens.lookup(undefined)).toBeUndefined();
    expect(tokens.lookup('')).toBeUndefined();
  });

  it('revokes idempotently and destroys what the run had open', () => {
    const tokens = new RunTokens();
    const { token, revoke } = tokens.mint(identity);
    let destroyed = 0;
    tokens.lookup(token)!.track({ destroy: () => (destroyed += 1) });
    revoke();
    revoke();
    expect(tokens.lookup(token)).toBeUndefined();
    expect(destroyed).toBe(1);
    expect(tokens.size).toBe(0);
  });

  it('caps the connections of one run and frees a slot when one is forgotten', () => {
    const tokens = new RunTokens(2);
    const grantee = tokens.lookup(tokens.mint(identity).token)!;
    const forgetFirst = grantee.track({ destroy: () => {} });
    expect(grantee.track({ destroy: () => {} })).toBeTypeOf('function');
    expect(grantee.track({ destroy: () => {} })).toBeUndefined();
    forgetFirst!();
    expect(grantee.track({ destroy: () => {} })).toBeTypeOf('function');
  });

  it('revokeAll ends every run', () => {
    const tokens = new RunTokens();
    const a = tokens.mint(identity).token;
    const b = tokens.mint({ ...identity, runId: 'r2' }).token;
    tokens.revokeAll();
    expect([tokens.lookup(a), tokens.lookup(b)]).toEqual([undefined, undefined]);
  });
});
