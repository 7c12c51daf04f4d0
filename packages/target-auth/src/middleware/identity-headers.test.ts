import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIdentityHeader, stripIdentityHeaders } from './identity-headers.js';

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

  it('stripIdentityHeaders removes X_Remote_User from headers and rawHeaders', () => {
    const req = { headers: { x_remote_user: 'admin', accept: '*/*' }, rawHeaders: ['X_Remote_User', 'admin', 'Accept', '*/*'] } as unknown as IncomingMessage;
    stripIdentityHeaders(req);
    expect(req.headers).toEqual({ accept: '*/*' });
    expect(req.rawHeaders).toEqual(['Accept', '*/*']);
  });
});
