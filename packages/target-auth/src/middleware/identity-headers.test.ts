import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isForwardableHeaderName, isIdentityHeader, stripIdentityHeaders } from './identity-headers.js';

// How CGI/WSGI/Rack/PHP (and nginx with underscores_in_headers on) name a header: upper case, `-` -> `_`.
const folded = (name: string) => name.toUpperCase().replaceAll('-', '_');

describe('identity headers under another spelling', () => {
  it.each([
    ['X-Remote-User', true],
    ['X_Remote_User', true],
    ['x-remote_group', true],
    ['Impersonate_User', true],
    ['impersonate-extra-scopes', true],
    ['Proxy_Authorization', true],
    ['X_Forwarded_Client_Cert', true],
    ['Authorization', true],
    ['X-Prometheus-Scrape-Timeout-Seconds', false],
    ['Accept_Encoding', false],
    ['X-Remoteuser', false],
  ])('%s -> %s', (name, identity) => {
    expect(isIdentityHeader(name.toLowerCase())).toBe(identity);
  });

  it('property: a name is an identity header exactly when its folded form is that of one', () => {
    const identity = ['X-Remote-User', 'X-Remote-Group', 'X-Remote-Extra-Scopes', 'Impersonate-User', 'Impersonate-Group', 'Authorization', 'Proxy-Authorization', 'X-Forwarded-Client-Cert'];
    // Every `-`/`_` spelling and letter case of each identity header is recognised.
    fc.assert(
      fc.property(fc.constantFrom(...identity), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (name, underscores, upper) => {
        const spelled = [...name].map((c, i) => (c === '-' && underscores[i] ? '_' : upper[i] ? c.toUpperCase() : c.toLowerCase())).join('');
        expect(folded(spelled)).toBe(folded(name));
        expect(isIdentityHeader(spelled.toLowerCase())).toBe(true);
      }),
    );
  });

  it('property: the fast first-characters filter never changes the verdict (reference: fold `_`, then compare)', () => {
    const reference = (n: string) => {
      const f = n.replaceAll('_', '-');
      return ['authorization', 'proxy-authorization', 'x-forwarded-client-cert'].includes(f) || f.startsWith('x-remote-') || f.startsWith('impersonate-');
    };
    const prefix = fc.constantFrom('', 'x-remote-', 'x_remote_', 'impersonate-', 'impersonate_', 'authorization', 'proxy_authorization', 'x-forwarded-client-cert', 'x_', 'au', 'pr', 'im', 'x-r', 'x-f', 'xr', 'accept');
    const name = fc.tuple(prefix, fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 3 })).map(([p, rest, odd]) => `${p}${rest}${odd}`.toLowerCase());
    fc.assert(
      fc.property(name, (n) => {
        expect(isIdentityHeader(n)).toBe(reference(n));
      }),
      { numRuns: 2000 },
    );
  });

  it('stripIdentityHeaders removes X_Remote_User from headers and rawHeaders', () => {
    const req = { headers: { x_remote_user: 'admin', accept: '*/*' }, rawHeaders: ['X_Remote_User', 'admin', 'Accept', '*/*'] } as unknown as IncomingMessage;
    stripIdentityHeaders(req);
    expect(req.headers).toEqual({ accept: '*/*' });
    expect(req.rawHeaders).toEqual(['Accept', '*/*']);
  });

  it.each([
    ['X-Prometheus-Scrape-Timeout-Seconds', true],
    ['accept-encoding', true],
    ['X_Remote_User', false],
    ['X.Remote.User', false],
    [':authority', false],
    ['Accept_Encoding', false],
  ])('forwardable header name %s -> %s', (name, ok) => {
    expect(isForwardableHeaderName(name)).toBe(ok);
  });

  it('property: of all the spellings that fold (CGI-style) into one name, only the all-dash one is forwarded', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 2, maxLength: 5 }), fc.array(fc.constantFrom('-', '_', '.'), { minLength: 4, maxLength: 4 }), (words, seps) => {
        const spelled = words.reduce((acc, w, i) => `${acc}${seps[i - 1]}${w}`);
        const canonical = words.join('-');
        expect(isForwardableHeaderName(spelled)).toBe(spelled === canonical);
      }),
      { numRuns: 500 },
    );
  });
});
