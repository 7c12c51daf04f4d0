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
  ])('refuses %s', (_name, raw) => {
    expect(normalizeRequestPath(raw).ok).toBe(false);
  });
});
