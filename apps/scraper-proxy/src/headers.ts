import type { IncomingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1 plus the de-facto `proxy-connection`); never forwarded in either direction. */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Outgoing headers: lower-case names, as undici accepts them. */
export type OutgoingHeaders = Record<string, string | string[]>;

/**
 * The headers to send upstream for one scrape: the scraper's headers minus hop-by-hop headers (including any
 * named in its `Connection` header), minus `Host` (set to `authority`), and minus `Authorization` — which is
 * set to `authorization` when (and only when) that is defined. The caller decides `authorization` with
 * `upstreamAuthorization()`; this function never passes the scraper's own value through by itself.
 */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, authority: string, authorization: string | undefined): OutgoingHeaders {
  const drop = connectionTokens(incoming['connection']);
  const out: OutgoingHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    const n = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP_HEADERS.has(n) || drop.has(n) || n === 'host' || n === 'authorization') continue;
    out[n] = value;
  }
  out['host'] = authority;
  if (authorization !== undefined) out['authorization'] = authorization;
  return out;
}

/** The upstream response headers to send back to the scraper: everything but hop-by-hop headers (and those its `Connection` names). */
export function downstreamResponseHeaders(upstream: Record<string, string | string[] | undefined>): OutgoingHeaders {
  const drop = connectionTokens(upstream['connection']);
  const out: OutgoingHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    const n = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP_HEADERS.has(n) || drop.has(n)) continue;
    out[n] = value;
  }
  return out;
}

function connectionTokens(value: string | string[] | undefined): Set<string> {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    joined
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  );
}
