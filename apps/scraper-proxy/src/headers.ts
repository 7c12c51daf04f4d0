import type { IncomingHttpHeaders } from 'node:http';
import { HOP_BY_HOP_HEADERS, connectionTokens } from '@certscrape/process-kit';

export { HOP_BY_HOP_HEADERS };

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
