import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRequestPath } from './path.js';

describe('normalizeRequestPath', () => {
  it.each([
    ['a canonical path is unchanged', '/metrics', '/metrics', '/metrics', false],
    ['the query is split off, not normalised', '/metrics?name[]=up&x=%2F', '/metrics', '/metrics', false],
    ['dot-dot segments are resolved', '/metrics/../admin', '/admin', '/admin', true],
    ['dot-dot never climbs above /', '/../../admin', '/admin', '/admin', true],
    ['single dots are dropped', '/./metrics/.', '/metrics/', '/metrics/', true],
    ['duplicate slashes collapse', '//admin', '/admin', '/admin', true],
    ['many slashes collapse', '/metrics///x//', '/metrics/x/', '/metrics/x/', true],
    ['encoded dots are decoded before resolving', '/metrics/%2e%2e/admin', '/admin', '/admin', true],
    ['upper-case encoded dots too', '/metrics/%2E%2E/admin', '/admin', '/admin', true],
    ['encoded slashes are decoded before resolving', '/metrics%2F..%2Fadmin', '/admin', '/admin', true],
    ['encoded unreserved characters decode to the plain path', '/%6detrics', '/metrics', '/metrics', true],
    ['case is preserved', '/METRICS', '/METRICS', '/METRICS', false],
    ['a trailing slash is kept', '/metrics/', '/metrics/', '/metrics/', false],
    ['absolute-form targets use their path', 'http://example.com/metrics/../admin?x=1', '/admin', '/admin', true],
    ['absolute-form without a path is /', 'https://example.com', '/', '/', true],
    ['non-ASCII is re-encoded', '/caf%C3%A9', '/café', '/caf%C3%A9', true],
    ['an encoded space is re-encoded', '/a%20b', '/a b', '/a%20b', true],
  ])('%s', (_name, raw, path, encodedPath, changed) => {
    const r = normalizeRequestPath(raw);
    expect(r).toMatchObject({ ok: true, path, encodedPath, changed });
  });

  it('keeps the raw query', () => {
    expect(normalizeRequestPath('/a/../metrics?match[]=up')).toMatchObject({ ok: true, path: '/metrics', query: 'match[]=up' });
  });

  it.each([
    ['an empty target', ''],
    ['the asterisk form', '*'],
    ['a relative path', 'metrics'],
    ['malformed percent-encoding', '/metrics%2'],
    ['non-hex percent-encoding', '/metrics%zz'],
    ['invalid UTF-8', '/%ff'],
    ['an encoded NUL', '/metrics%00'],
    ['an encoded backslash', '/metrics%5C..%5Cadmin'],
    ['a raw backslash', '/metrics\\..\\admin'],
    ['an encoded newline', '/metrics%0a'],
    ['a dot-dot segment with a path parameter (servlet: /admin)', '/metrics/..;/admin'],
    ['a dot-dot segment with a named path parameter', '/metrics/..;x=1/admin'],
    ['a single-dot segment with a path parameter', '/metrics/.;/admin'],
    ['an encoded semicolon after dot-dot', '/metrics/..%3B/admin'],
    ['a lower-case encoded semicolon', '/metrics/..%3b/admin'],
    ['a jsessionid-style parameter', '/metrics;jsessionid=1'],
    ['a parameter on the first segment', '/;a/metrics'],
  ])('refuses %s', (_name, raw) => {
    expect(normalizeRequestPath(raw).ok).toBe(false);
  });
});

// Models of how upstreams resolve the path we forward (the encoded path), used as a
// differential check: whatever we accept must mean the same path to each of them.
function removeDotSegments(segments: string[]): string[] {
  const out: string[] = [];
  for (const s of segments) {
    if (s === '..') out.pop();
    else if (s !== '.' && s !== '') out.push(s);
  }
  return out;
}
const decode = (s: string) => decodeURIComponent(s);
/** RFC 3986 §5.2.4 on the raw path, then percent-decoding (Go net/http, nginx, most routers). */
const rfcReading = (encoded: string) => `/${removeDotSegments(encoded.split('/')).map(decode).join('/')}`;
/** Tomcat/Jetty/Spring: strip `;params` from each segment, decode, then resolve dot segments. */
const servletReading = (encoded: string) =>
  `/${removeDotSegments(
    encoded
      .split('/')
      .map((seg) => seg.replace(/;.*$/, ''))
      .map(decode),
  ).join('/')}`;
/** Decode first, then resolve (servers that decode %2F/%2e before routing). */
const decodeFirstReading = (encoded: string) => `/${removeDotSegments(decode(encoded).split('/')).join('/')}`;

describe('normalizeRequestPath agrees with how upstreams resolve what it forwards', () => {
  const segment = fc.constantFrom('metrics', 'admin', 'a', '.', '..', '%2e', '%2E%2e', '.%2e', ';', ';x=1', '..;', '..;x', '.;', '%3B', '..%3b', 'a;b', '%2F', '', 'caf%C3%A9', 'a%20b', '%253B');
  it('property: an accepted path means the authorized path to every reading (RFC 3986, servlet, decode-first)', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (segments) => {
        const raw = `/${segments.join('/')}`;
        const r = normalizeRequestPath(raw);
        if (!r.ok) return;
        const canonical = r.path.replace(/\/$/, '') || '/';
        for (const reading of [rfcReading, servletReading, decodeFirstReading]) expect(reading(r.encodedPath)).toBe(canonical);
      }),
      { numRuns: 3000 },
    );
  });

  it('a prefix rule cannot be left through ;params: every path under /metrics/ stays there for a servlet upstream', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), (segments) => {
        const r = normalizeRequestPath(`/metrics/${segments.join('/')}`);
        if (!r.ok || !r.path.startsWith('/metrics/')) return;
        expect(servletReading(r.encodedPath).startsWith('/metrics')).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
