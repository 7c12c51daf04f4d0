import { describe, expect, it } from 'vitest';
import { classifyUpstreamError } from './upstream-error.js';

function err(code: string, message = 'boom', cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}

describe('classifyUpstreamError', () => {
  it.each([
    ['an untrusted serving certificate is a TLS verification failure', err('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), 'tls_verify', 502],
    ['a self-signed serving certificate is a TLS verification failure', err('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls_verify', 502],
    ['a name mismatch is a TLS verification failure', err('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), 'tls_verify', 502],
    ['an expired serving certificate is a TLS verification failure', err('CERT_HAS_EXPIRED'), 'tls_verify', 502],
    ['the target refusing our certificate is a handshake failure', err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), 'tls_handshake', 502],
    ['a generic SSL alert is a handshake failure', err('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'), 'tls_handshake', 502],
    ['connection refused', err('ECONNREFUSED'), 'connect', 502],
    ['an undici socket error', err('UND_ERR_SOCKET', 'other side closed'), 'connect', 502],
    ['a reset', err('ECONNRESET', 'read ECONNRESET'), 'connect', 502],
    ['connect timeout', err('UND_ERR_CONNECT_TIMEOUT'), 'timeout', 504],
    ['headers timeout', err('UND_ERR_HEADERS_TIMEOUT'), 'timeout', 504],
    ['a wrapped cause wins over the wrapper', err('UND_ERR_SOCKET', 'wrapper', err('SELF_SIGNED_CERT_IN_CHAIN')), 'tls_verify', 502],
    ['an unknown error', new Error('weird'), 'error', 502],
  ])('%s', (_name, error, outcome, status) => {
    expect(classifyUpstreamError(error, 'a.example:8443', undefined)).toMatchObject({ outcome, status });
  });

  it('says clearly what failed, for which target and server name', () => {
    const f = classifyUpstreamError(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), '10.0.0.5:8443', 'api.internal');
    expect(f.message).toContain('upstream TLS verification failed for 10.0.0.5:8443 (server name api.internal)');
    expect(f.message).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(f.message).toContain('--upstream-ca-file');
  });

  it('explains a connection closed before any answer (how TLS 1.3 shows a refused client certificate)', () => {
    expect(classifyUpstreamError(err('UND_ERR_SOCKET', 'other side closed'), 'a.example:8443', undefined).message).toContain('refuses or requires the client certificate');
  });
});
