import type { SecureVersion } from 'node:tls';
import { TargetAuthError } from '../errors.js';

const VERSIONS: Record<string, SecureVersion> = { VersionTLS10: 'TLSv1', VersionTLS11: 'TLSv1.1', VersionTLS12: 'TLSv1.2', VersionTLS13: 'TLSv1.3' };

// Go crypto/tls names (tls.CipherSuites() and tls.InsecureCipherSuites(), with the legacy
// CHACHA20 aliases) -> OpenSSL names. The TLS 1.3 names are accepted and change nothing, as in Go
// (TLS 1.3 suites are not configurable there).
const GO_TO_OPENSSL: Record<string, string | null> = {
  TLS_RSA_WITH_RC4_128_SHA: 'RC4-SHA',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: 'ECDHE-ECDSA-RC4-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: 'ECDHE-RSA-RC4-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_AES_128_GCM_SHA256: null,
  TLS_AES_256_GCM_SHA384: null,
  TLS_CHACHA20_POLY1305_SHA256: null,
};

/** The TLS 1.3 suites Go always enables; appended so that a TLS <= 1.2 list does not disable TLS 1.3 in OpenSSL. */
const TLS13_SUITES = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'];

/** `--tls-min-version` (Go's `VersionTLS1x` names; `''` = the default, TLS 1.2) -> Node's `minVersion`. */
export function tlsMinVersion(goName: string): SecureVersion {
  if (goName === '') return 'TLSv1.2';
  const v = VERSIONS[goName];
  if (v === undefined) throw new TargetAuthError('TARGET_AUTH_ERR_FLAGS_INVALID', `--tls-min-version: unknown TLS version ${JSON.stringify(goName)} (use one of ${Object.keys(VERSIONS).join(', ')})`);
  return v;
}

/**
 * `--tls-cipher-suites` (Go crypto/tls names) -> a Node `ciphers` string, or `undefined` for an
 * empty list (Node's defaults). Unknown names throw `TARGET_AUTH_ERR_FLAGS_INVALID` naming them.
 * TLS 1.3 suites are always kept, as in Go, where they cannot be configured.
 */
export function tlsCipherSuites(goNames: readonly string[]): string | undefined {
  if (goNames.length === 0) return undefined;
  const unknown = goNames.filter((n) => !(n in GO_TO_OPENSSL));
  if (unknown.length > 0) throw new TargetAuthError('TARGET_AUTH_ERR_FLAGS_INVALID', `--tls-cipher-suites: unknown cipher suite(s) ${unknown.join(', ')} (use Go crypto/tls names)`);
  const tls12 = [...new Set(goNames.map((n) => GO_TO_OPENSSL[n]).filter((n): n is string => typeof n === 'string'))];
  return [...TLS13_SUITES, ...tls12].join(':');
}
