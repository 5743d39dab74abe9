import { describe, expect, it } from 'vitest';
import {
  forwardableHeaders,
  injectAnthropicCredential,
  injectOpenAiCredential,
  modelRequestToken,
  proxyRequestToken,
  withBetaFlag,
} from '../../src/gateway/http-headers.js';

describe('forwardableHeaders', () => {
  it('drops hop-by-hop headers, headers named by Connection, and the drop list', () => {
    const out = forwardableHeaders(
      {
        connection: 'keep-alive, X-Hop-Secret',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        te: 'trailers',
        upgrade: 'websocket',
        'proxy-authorization': 'Basic abc',
        'proxy-connection': 'keep-alive',
        expect: '100-continue',
        'x-hop-secret': 'must not cross',
        'x-api-key': 'tok',
        'content-type': 'application/json',
        'content-length': '12',
        'anthropic-version': '2023-06-01',
      },
      ['x-api-key'],
    );
    expect(out).toEqual({
      'content-type': 'application/json',
      'content-length': '12',
      'anthropic-version': '2023-06-01',
    });
  });
});

describe('modelRequestToken', () => {
  it.each([
    [{ 'x-api-key': 'ocgw_abc' }, 'ocgw_abc'],
    [{ authorization: 'Bearer ocgw_abc' }, 'ocgw_abc'],
    [{ authorization: 'bearer   ocgw_abc ' }, 'ocgw_abc'],
    [{ 'x-api-key': 'ocgw_key', authorization: 'Bearer ocgw_bearer' }, 'ocgw_key'],
    [{ authorization: 'Basic b2M6eA==' }, undefined],
    [{ authorization: 'Bearer two words' }, undefined],
    [{}, undefined],
  ])('%j → %s', (headers, token) => {
    expect(modelRequestToken(headers)).toBe(token);
  });
});

describe('proxyRequestToken', () => {
  const basic = (userPass: string): string => `Basic ${Buffer.from(userPass).toString('base64')}`;
  it.each([
    [{ 'proxy-authorization': basic('omniclaw:ocgw_abc') }, 'ocgw_abc'],
    [{ 'proxy-authorization': basic('anyone:ocgw_abc') }, 'ocgw_abc'],
    [{ 'proxy-authorization': basic('omniclaw:ocgw:with:colons') }, 'ocgw:with:colons'],
    [{ 'proxy-authorization': 'Bearer ocgw_abc' }, 'ocgw_abc'],
    [{ 'proxy-authorization': basic('omniclaw:') }, undefined],
    [{ 'proxy-authorization': basic('no-colon') }, undefined],
    [{ 'proxy-authorization': 'Basic !!!' }, undefined],
    [{ 'proxy-authorization': 'Digest x' }, undefined],
    [{ authorization: 'Bearer ocgw_abc' }, undefined], // the origin's header is not proxy auth
    [{}, undefined],
  ])('%j → %s', (headers, token) => {
    expect(proxyRequestToken(headers)).toBe(token);
  });
});

describe('withBetaFlag', () => {
  it.each([
    [undefined, 'oauth-2025-04-20'],
    ['', 'oauth-2025-04-20'],
    ['prompt-caching-2024-07-31', 'prompt-caching-2024-07-31,oauth-2025-04-20'],
    ['a, oauth-2025-04-20', 'a,oauth-2025-04-20'],
    [['a', 'b'], 'a,b,oauth-2025-04-20'],
  ])('%j → %s', (existing, expected) => {
    expect(withBetaFlag(existing, 'oauth-2025-04-20')).toBe(expected);
  });
});

describe('credential injection', () => {
  it('writes an Anthropic API key as x-api-key and leaves beta flags alone', () => {
    const headers: Record<string, string> = { 'anthropic-beta': 'x' };
    injectAnthropicCredential(headers, { apiKey: 'sk-real' });
    expect(headers).toEqual({ 'anthropic-beta': 'x', 'x-api-key': 'sk-real' });
  });

  it('writes an Anthropic OAuth token as Bearer with the OAuth beta flag', () => {
    const headers: Record<string, string> = { 'anthropic-beta': 'x' };
    injectAnthropicCredential(headers, { oauthToken: 'sk-ant-oat-real' });
    expect(headers).toEqual({
      'anthropic-beta': 'x,oauth-2025-04-20',
      authorization: 'Bearer sk-ant-oat-real',
    });
  });

  it('prefers the API key when both are configured', () => {
    const headers: Record<string, string> = {};
    injectAnthropicCredential(headers, { apiKey: 'k', oauthToken: 'o' });
    expect(headers).toEqual({ 'x-api-key': 'k' });
  });

  it('writes an OpenAI key as Bearer, and nothing without a key (Ollama)', () => {
    const withKey: Record<string, string> = {};
    injectOpenAiCredential(withKey, 'sk-openai');
    expect(withKey).toEqual({ authorization: 'Bearer sk-openai' });
    const without: Record<string, string> = {};
    injectOpenAiCredential(without, undefined);
    expect(without).toEqual({});
  });
});
