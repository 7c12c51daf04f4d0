/**
 * The outcome of normalising a request target: the decoded canonical path that rules are
 * matched against, the same path re-encoded (what the handler/upstream is given, so it sees
 * exactly what was authorized) and the raw query (without `?`).
 */
export type NormalizedPath =
  | { readonly ok: true; readonly path: string; readonly encodedPath: string; readonly query: string; readonly changed: boolean }
  | { readonly ok: false; readonly reason: string };

// Characters that may stand unencoded in a path segment (RFC 3986 pchar minus '%' and ';').
// ';' is never canonical: servlet-style upstreams (Tomcat, Jetty, Spring) cut `;params` off
// every segment before resolving dot segments, so `/metrics/..;/admin` is `/admin` to them
// while it is a child of `/metrics` to a prefix rule. A path containing ';' (raw or %3B) is
// refused outright: no reading of it is shared by every upstream (docs/adr/0008).
const SAFE_RAW = /^[A-Za-z0-9\-._~!$&'()*+,=:@/]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;
const PCHAR = /[A-Za-z0-9\-._~!$&'()*+,=:@]/;
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Normalises a raw request target (`req.url`): origin-form (`/a/b?q`) or absolute-form
 * (`http://host/a`). Percent-encoding is decoded (including `%2F` and `%2e`), duplicate slashes
 * collapse, `.` and `..` segments are resolved (never above `/`), a trailing slash is kept.
 * Case is preserved (paths are case-sensitive, so `/METRICS` is not `/metrics`).
 * Refused (ok: false): anything else (`*`, empty), malformed percent-encoding, invalid UTF-8,
 * NUL/control characters, backslashes, raw `#`, and `;` raw or encoded (path parameters, which
 * servlet-style upstreams strip before resolving `..`). Pure; the common canonical case allocates little.
 */
export function normalizeRequestPath(rawUrl: string | undefined): NormalizedPath {
  if (rawUrl === undefined || rawUrl.length === 0) return { ok: false, reason: 'empty request target' };
  let target = rawUrl;
  if (target.charCodeAt(0) !== 47 /* / */) {
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(target);
    if (m === null) return { ok: false, reason: 'request target is neither origin-form nor absolute-form' };
    target = target.slice(m[0].length);
    if (target.length === 0 || target.charCodeAt(0) === 63 /* ? */) target = `/${target}`;
  }
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);

  // Fast path: already canonical (the normal scrape: `/metrics`).
  if (SAFE_RAW.test(rawPath) && !rawPath.includes('//') && !DOT_SEGMENT.test(rawPath)) {
    return { ok: true, path: rawPath, encodedPath: rawPath, query, changed: rawUrl.charCodeAt(0) !== 47 };
  }

  const decoded = percentDecode(rawPath);
  if (decoded === undefined) return { ok: false, reason: 'malformed percent-encoding or invalid UTF-8 in path' };
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c /* \ */ || c === 0x23 /* # */) {
      return { ok: false, reason: 'control character, backslash or # in path' };
    }
    if (c === 0x3b /* ; */) return { ok: false, reason: 'path parameter (;) in path' };
  }

  const out: string[] = [];
  const segments = decoded.split('/');
  let trailingSlash = false;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] as string;
    const last = i === segments.length - 1;
    if (s === '' || s === '.') {
      trailingSlash = last;
      continue;
    }
    if (s === '..') {
      out.pop();
      trailingSlash = last;
      continue;
    }
    out.push(s);
    trailingSlash = false;
  }
  const path = out.length === 0 ? '/' : `/${out.join('/')}${trailingSlash ? '/' : ''}`;
  const encodedPath = out.length === 0 ? '/' : `/${out.map(encodeSegment).join('/')}${trailingSlash ? '/' : ''}`;
  return { ok: true, path, encodedPath, query, changed: true };
}

function percentDecode(s: string): string | undefined {
  if (!s.includes('%')) return s;
  // Work on UTF-8 bytes: '%' is ASCII, so byte-level decoding is exact for any input.
  const input = Buffer.from(s, 'utf8');
  const bytes = new Uint8Array(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as number;
    if (c === 37 /* % */) {
      const h = hexValue(input[i + 1]);
      const l = hexValue(input[i + 2]);
      if (h < 0 || l < 0) return undefined;
      bytes[n++] = h * 16 + l;
      i += 2;
    } else {
      bytes[n++] = c;
    }
  }
  try {
    return fatalUtf8.decode(bytes.subarray(0, n));
  } catch {
    return undefined;
  }
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function encodeSegment(segment: string): string {
  let out = '';
  for (const ch of segment) {
    if (PCHAR.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
