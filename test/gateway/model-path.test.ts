import { describe, expect, it } from 'vitest';
import { joinUpstreamPath, resolveModelPath } from '../../src/gateway/model-path.js';

describe('resolveModelPath', () => {
  it.each([
    ['/anthropic/v1/messages', 'anthropic', '/v1/messages', ''],
    ['/anthropic/v1/messages?beta=true', 'anthropic', '/v1/messages', '?beta=true'],
    ['/openai/chat/completions', 'openai', '/chat/completions', ''],
    ['/openai', 'openai', '', ''],
    ['/openai/', 'openai', '/', ''],
    ['/openai/models/gpt-4o%3Amini', 'openai', '/models/gpt-4o%3Amini', ''],
    ['/openai//chat', 'openai', '//chat', ''],
    ['/anthropic/v1/files/a.b..c', 'anthropic', '/v1/files/a.b..c', ''], // dots inside a name are fine
  ])('%s → %s %s', (url, route, rest, query) => {
    expect(resolveModelPath(url)).toEqual({ ok: true, route, rest, query });
  });

  it.each([
    ['/openai/../anthropic/v1/messages', 400, 'climbs into another route'],
    ['/openai/v1/../../admin', 400, 'climbs out of the base path'],
    ['/openai/%2e%2e/admin', 400, 'encoded dot-dot'],
    ['/openai/%2E%2E/admin', 400, 'upper-case encoded dot-dot'],
    ['/openai/.%2e/admin', 400, 'half-encoded dot-dot'],
    ['/openai/./models', 400, 'single dot'],
    ['/openai/a%2fb', 400, 'encoded slash'],
    ['/openai/a%5cb', 400, 'encoded backslash'],
    ['/openai/a\\..\\b', 400, 'backslash'],
    ['/openai/%252e%252e/admin', 400, 'double-encoded dot-dot'],
    ['/openai/a%00b', 400, 'encoded NUL'],
    ['/openai/a%0d%0aX-Injected:%201', 400, 'encoded CRLF'],
    ['/openai/%zz', 400, 'malformed escape'],
    ['/openai/a\r\nb', 400, 'raw CRLF'],
    ['openai/v1', 400, 'not an absolute path'],
    ['*', 400, 'asterisk form'],
    ['/', 404, 'no route'],
    ['/admin', 404, 'unknown route'],
    ['/anthropicx/v1/messages', 404, 'route name is a prefix only'],
    ['/Anthropic/v1/messages', 404, 'route names are case-sensitive'],
    ['/%61nthropic/v1/messages', 404, 'encoded route name'],
  ])('refuses %j (%s)', (url, status) => {
    expect(resolveModelPath(url)).toMatchObject({ ok: false, status });
  });
});

describe('joinUpstreamPath', () => {
  it.each([
    ['', '/v1/messages', '', '/v1/messages'],
    ['/', '/v1/messages', '?beta=true', '/v1/messages?beta=true'],
    ['/v1', '/chat/completions', '', '/v1/chat/completions'],
    ['/v1/', '/chat/completions', '', '/v1/chat/completions'],
    ['/api/v1', '', '', '/api/v1'],
    ['/', '', '', '/'],
    ['', '', '?x=1', '/?x=1'],
  ])('%j + %j + %j → %j', (base, rest, query, expected) => {
    expect(joinUpstreamPath(base, rest, query)).toBe(expected);
  });
});
