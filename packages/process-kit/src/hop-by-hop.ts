/**
 * Hop-by-hop headers (RFC 9110 §7.6.1, plus the de-facto `proxy-connection` and `keep-alive`):
 * a proxy never forwards them in either direction, nor any header its `Connection` names. The one
 * list shared by the scraper-proxy and the target-auth sidecar.
 */
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

/** The header names a `Connection` header value lists (lower-cased), which are hop-by-hop too. */
export function connectionTokens(value: string | readonly string[] | undefined): Set<string> {
  const joined = Array.isArray(value) ? value.join(',') : ((value as string | undefined) ?? '');
  return new Set(
    joined
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  );
}
