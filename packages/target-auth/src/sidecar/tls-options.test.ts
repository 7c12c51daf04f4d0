import { getCiphers } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { isTargetAuthError } from '../errors.js';
import { tlsCipherSuites, tlsMinVersion } from './tls-options.js';

// Go's crypto/tls CipherSuites() (the secure list k8s component-base accepts by default).
const GO_SECURE = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
];

describe('--tls-cipher-suites / --tls-min-version mapping', () => {
  it.each(GO_SECURE)('%s maps to a suite this OpenSSL offers', (go) => {
    const ciphers = (tlsCipherSuites([go]) as string).split(':');
    const tls12 = ciphers.filter((c) => !c.startsWith('TLS_'));
    expect(tls12).toHaveLength(1);
    expect(getCiphers()).toContain((tls12[0] as string).toLowerCase());
  });

  it('keeps the TLS 1.3 suites and drops duplicates (legacy CHACHA20 aliases)', () => {
    expect(tlsCipherSuites(['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'])).toBe(
      'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-RSA-CHACHA20-POLY1305',
    );
    expect(tlsCipherSuites([])).toBeUndefined();
  });

  it('refuses unknown and OpenSSL-style names with a coded error naming them', () => {
    for (const bad of [['ECDHE-RSA-AES128-GCM-SHA256'], ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'nope']]) {
      let e: unknown;
      try {
        tlsCipherSuites(bad);
      } catch (err) {
        e = err;
      }
      expect(isTargetAuthError(e, 'TARGET_AUTH_ERR_FLAGS_INVALID')).toBe(true);
      expect((e as Error).message).toContain(bad.at(-1));
    }
  });

  it.each([
    ['', 'TLSv1.2'],
    ['VersionTLS10', 'TLSv1'],
    ['VersionTLS11', 'TLSv1.1'],
    ['VersionTLS12', 'TLSv1.2'],
    ['VersionTLS13', 'TLSv1.3'],
  ])('tlsMinVersion(%j) = %s', (go, node) => {
    expect(tlsMinVersion(go)).toBe(node);
  });
});
