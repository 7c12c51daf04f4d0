import type { IncomingMessage } from 'node:http';

const EXACT = new Set(['authorization', 'proxy-authorization', 'x-forwarded-client-cert']);
const FORWARDABLE_NAME = /^[A-Za-z0-9-]+$/;

/**
 * True for header names a proxy may forward to an upstream it does not know: letters, digits and
 * `-` only (nginx's default, `ignore_invalid_headers on`). Upstreams that fold `_` (and `.`) into
 * `-` (CGI, WSGI, Rack, PHP) would read `X_Remote_User` as `X-Remote-User`, and the identity
 * headers an upstream trusts are its own, so no deny-list can name every spelling (docs/adr/0008).
 */
export function isForwardableHeaderName(name: string): boolean {
  return FORWARDABLE_NAME.test(name);
}

/**
 * True for request headers that carry identity: X-Remote-*, Impersonate-*, Authorization, ...
 * compared by the name as CGI/WSGI/Rack/PHP and nginx (`underscores_in_headers on`) fold it:
 * `_` is `-`, so `X_Remote_User` and `Impersonate_User` count too (docs/adr/0008).
 */
export function isIdentityHeader(lowerCaseName: string): boolean {
  if (!mayBeIdentityHeader(lowerCaseName)) return false;
  const n = lowerCaseName.includes('_') ? lowerCaseName.replaceAll('_', '-') : lowerCaseName;
  return EXACT.has(n) || n.startsWith('x-remote-') || n.startsWith('impersonate-');
}

/**
 * A per-request filter (every header of every request passes it): false only for names that cannot be an
 * identity header, by their first characters: `au`thorization, `pr`oxy-authorization, `im`personate-*,
 * `x?r`emote-* and `x?f`orwarded-client-cert (`?` being `-` or `_`). Exact for ASCII; other names go to the
 * full check.
 */
function mayBeIdentityHeader(n: string): boolean {
  const c0 = n.charCodeAt(0);
  const c1 = n.charCodeAt(1);
  if (c0 > 0x7f || c1 > 0x7f) return true;
  switch (c0) {
    case 0x61 /* a */:
      return c1 === 0x75 /* u */;
    case 0x70 /* p */:
      return c1 === 0x72 /* r */;
    case 0x69 /* i */:
      return c1 === 0x6d /* m */;
    case 0x78 /* x */: {
      const c2 = n.charCodeAt(2);
      return c2 === 0x72 /* r */ || c2 === 0x66 /* f */ || c2 > 0x7f;
    }
    default:
      return false;
  }
}

/**
 * Removes identity-bearing headers (`X-Remote-*`, `Impersonate-*`, `Authorization`,
 * `Proxy-Authorization`, `X-Forwarded-Client-Cert`, under any `_`/`-` spelling; see
 * {@link isIdentityHeader}) from `req.headers` and `req.rawHeaders`,
 * so nothing downstream (handler, upstream) can be fooled by a client-supplied identity.
 */
export function stripIdentityHeaders(req: IncomingMessage): void {
  let found = false;
  for (const name in req.headers) {
    if (isIdentityHeader(name)) {
      delete req.headers[name];
      found = true;
    }
  }
  if (!found) return;
  const raw = req.rawHeaders;
  const kept: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!isIdentityHeader((raw[i] as string).toLowerCase())) kept.push(raw[i] as string, raw[i + 1] as string);
  }
  raw.length = 0;
  raw.push(...kept);
}
