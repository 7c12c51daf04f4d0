import { describe, expect, it } from 'vitest';
import { isOperatorError } from './errors.js';
import { desiredTlsSecret } from './tls-secret.js';

const pair = { certPem: 'CERT', keyPem: 'KEY', notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-01-31T00:00:00Z'), issuedAt: new Date('2026-01-01T00:05:00Z') };
const target = { namespace: 'monitoring', name: 'metrics-client-certs' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('desiredTlsSecret', () => {
  it('if there is no Secret, builds a kubernetes.io/tls Secret with both halves and the window annotations', () => {
    const s = desiredTlsSecret(undefined, target, pair);
    expect(s.type).toBe('kubernetes.io/tls');
    expect(s.data).toEqual({ 'tls.crt': b64('CERT'), 'tls.key': b64('KEY') });
    expect(s.metadata?.annotations).toMatchObject({
      'certscrape.io/not-before': '2026-01-01T00:00:00.000Z',
      'certscrape.io/not-after': '2026-01-31T00:00:00.000Z',
      'certscrape.io/issued-at': '2026-01-01T00:05:00.000Z',
    });
    expect(s.metadata?.resourceVersion).toBeUndefined();
  });
  it('if the Secret exists, replaces both halves together and keeps other keys, labels, annotations and the resourceVersion', () => {
    const s = desiredTlsSecret(
      { type: 'kubernetes.io/tls', metadata: { name: target.name, resourceVersion: '42', labels: { team: 'obs' }, annotations: { note: 'x', 'certscrape.io/not-after': 'old' } }, data: { 'tls.crt': b64('OLD'), 'tls.key': b64('OLDKEY'), 'ca.crt': b64('CA') } },
      target,
      pair,
    );
    expect(s.metadata?.resourceVersion).toBe('42');
    expect(s.metadata?.labels).toMatchObject({ team: 'obs' });
    expect(s.metadata?.annotations).toMatchObject({ note: 'x', 'certscrape.io/not-after': '2026-01-31T00:00:00.000Z' });
    expect(s.data).toEqual({ 'tls.crt': b64('CERT'), 'tls.key': b64('KEY'), 'ca.crt': b64('CA') });
  });
  it('if the Secret exists with another type, refuses with OPERATOR_ERR_SECRET_TYPE (never deletes it)', () => {
    let err: unknown;
    try {
      desiredTlsSecret({ type: 'Opaque', metadata: { name: target.name } }, target, pair);
    } catch (e) {
      err = e;
    }
    expect(isOperatorError(err, 'OPERATOR_ERR_SECRET_TYPE')).toBe(true);
  });
});
