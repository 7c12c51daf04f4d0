import { isProxyError } from './errors.js';
import { hostPort, parseHostPort } from './host-port.js';
import type { HostPort } from './host-port.js';

/** The port used when a request names a target without one: the proxy always speaks TLS upstream. */
export const DEFAULT_UPSTREAM_PORT = 443;

/** The path prefix of the path form, for scrapers that cannot use a proxy: `/proxy/<host:port>/<path>`. */
export const PATH_FORM_PREFIX = '/proxy/';

/**
 * What an incoming request asks for, as data:
 * - `forward`: scrape `target` at `path` (path and query, always starting with `/`);
 *   `form` is `absolute` (`GET http://host:port/path`, what Prometheus sends with `proxy_url`) or `path` (`/proxy/host:port/path`);
 * - `local`: an origin-form request for the proxy itself (e.g. `/healthz`);
 * - `invalid`: answer with `status` and `reason`.
 */
export type RequestTarget =
  | { readonly kind: 'forward'; readonly form: 'absolute' | 'path'; readonly target: HostPort; readonly path: string }
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 'invalid'; readonly status: 400 | 405; readonly reason: string };

/**
 * Parses an HTTP request line's method and request-target. Absolute-form `http://` and `https://` are both
 * forwarded over TLS (the scheme the scraper used towards the proxy says nothing about the upstream); a missing
 * port means 443. CONNECT is refused (405): a tunnel would hide the request from the proxy, which must originate TLS.
 * Userinfo in the URL is refused: credentials travel only as configured.
 */
export function parseRequestTarget(method: string, url: string): RequestTarget {
  if (method.toUpperCase() === 'CONNECT') {
    return {
      kind: 'invalid',
      status: 405,
      reason: 'CONNECT is not supported: configure the scrape with scheme "http" and this proxy as proxy_url; the proxy originates TLS to the target itself',
    };
  }
  if (/^https?:\/\//i.test(url)) return parseAbsoluteForm(url);
  if (url.startsWith(PATH_FORM_PREFIX)) return parsePathForm(url);
  if (url.startsWith('/')) return { kind: 'local', path: url };
  return { kind: 'invalid', status: 400, reason: `unsupported request target ${JSON.stringify(truncate(url))}` };
}

function parseAbsoluteForm(url: string): RequestTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'invalid', status: 400, reason: `malformed absolute URL ${JSON.stringify(truncate(url))}` };
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return { kind: 'invalid', status: 400, reason: 'credentials in the request URL are not forwarded; remove them' };
  }
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const port = parsed.port === '' ? DEFAULT_UPSTREAM_PORT : Number(parsed.port);
  try {
    return { kind: 'forward', form: 'absolute', target: hostPort(host, port), path: `${parsed.pathname}${parsed.search}` };
  } catch (e) {
    if (isProxyError(e)) return { kind: 'invalid', status: 400, reason: e.message };
    throw e;
  }
}

function parsePathForm(url: string): RequestTarget {
  const rest = url.slice(PATH_FORM_PREFIX.length);
  const end = rest.search(/[/?]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const remainder = end < 0 ? '' : rest.slice(end);
  if (authority === '') return { kind: 'invalid', status: 400, reason: `path form is ${PATH_FORM_PREFIX}<host:port>/<path>` };
  let decoded: string;
  try {
    decoded = decodeURIComponent(authority);
  } catch {
    return { kind: 'invalid', status: 400, reason: `malformed target ${JSON.stringify(truncate(authority))}` };
  }
  let target: HostPort;
  try {
    target = parseHostPort(decoded, DEFAULT_UPSTREAM_PORT);
  } catch (e) {
    if (isProxyError(e)) return { kind: 'invalid', status: 400, reason: e.message };
    throw e;
  }
  const path = remainder === '' ? '/' : remainder.startsWith('?') ? `/${remainder}` : remainder;
  return { kind: 'forward', form: 'path', target, path };
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
