/**
 * Maps a request path from a sandbox onto a model route: `/anthropic/<rest>` goes to the
 * Anthropic upstream as `<baseUrl>/<rest>`, `/openai/<rest>` to the OpenAI-compatible one.
 * Pure, no I/O.
 *
 * The rest is passed upstream byte for byte, so it must not be able to climb out of the
 * route's base path (`/openai/../admin`, `/openai/%2e%2e/admin`) or out of the route itself
 * (`/openai/../anthropic/...` would pick another credential). Any dot segment, encoded
 * slash or backslash, NUL or control character is refused rather than normalised: real
 * clients never send them, and refusing leaves no parser disagreement to exploit.
 */

export const modelRouteNames = ['anthropic', 'openai'] as const;
export type ModelRouteName = (typeof modelRouteNames)[number];

export type ModelPath =
  | {
      ok: true;
      route: ModelRouteName;
      /** '' or starting with '/' */ rest: string;
      /** '' or starting with '?' */ query: string;
    }
  | { ok: false; status: 400 | 404; reason: string };

const hasControlCharacter = (text: string): boolean =>
  [...text].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
/** What a decoded segment must not still encode after one decoding pass. */
const STILL_ENCODED = /%(?:2e|2f|5c|00)/i;
const isForbiddenDecoded = (decoded: string): boolean =>
  decoded.includes('/') ||
  decoded.includes('\\') ||
  hasControlCharacter(decoded) ||
  STILL_ENCODED.test(decoded);

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function isModelRoute(name: string | undefined): name is ModelRouteName {
  return (modelRouteNames as readonly string[]).includes(name ?? '');
}

export function resolveModelPath(rawUrl: string): ModelPath {
  if (!rawUrl.startsWith('/'))
    return { ok: false, status: 400, reason: 'request target must be an absolute path' };
  if (hasControlCharacter(rawUrl) || rawUrl.includes('\\')) {
    return { ok: false, status: 400, reason: 'request target contains a control character or backslash' };
  }
  const queryAt = rawUrl.indexOf('?');
  const path = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
  const query = queryAt < 0 ? '' : rawUrl.slice(queryAt);
  const [, routeName, ...segments] = path.split('/');
  if (!isModelRoute(routeName)) {
    return {
      ok: false,
      status: 404,
      reason: `no route for ${path.slice(0, 80)}; model routes are /anthropic/… and /openai/…`,
    };
  }
  for (const segment of segments) {
    const decoded = decodeSegment(segment);
    if (decoded === undefined)
      return { ok: false, status: 400, reason: 'path has a malformed percent-encoding' };
    if (decoded === '.' || decoded === '..')
      return { ok: false, status: 400, reason: 'path has a dot segment' };
    if (isForbiddenDecoded(decoded))
      return { ok: false, status: 400, reason: 'path has an encoded separator or control character' };
  }
  const rest = segments.length ? `/${segments.join('/')}` : '';
  return { ok: true, route: routeName, rest, query };
}

/** Joins an upstream base path ("/v1", "/", "") and a validated rest ("/chat/completions"). */
export function joinUpstreamPath(basePath: string, rest: string, query: string): string {
  const base = basePath.replace(/\/+$/, '');
  const path = `${base}${rest}` || '/';
  return `${path}${query}`;
}
