/** How a failed upstream exchange is reported: label for metrics, status and message for the scraper. */
export type UpstreamOutcome = 'tls_verify' | 'tls_handshake' | 'connect' | 'timeout' | 'error';

/** A classified upstream failure. `message` is safe to return to the scraper and to log (no key material). */
export interface UpstreamFailure {
  readonly outcome: UpstreamOutcome;
  readonly status: 502 | 504;
  readonly message: string;
}

const VERIFY_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
]);
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ABORT_ERR']);

/**
 * Classifies an error from the upstream request (undici, node:tls, node:net) for target `authority` reached with
 * TLS server name `serverName`. The serving certificate not verifying -> 502 `tls_verify`; other TLS failures
 * (e.g. the target refused our client certificate) -> 502 `tls_handshake`; refused/reset/unresolvable -> 502
 * `connect`; timeouts -> 504 `timeout`; anything else -> 502 `error`.
 */
export function classifyUpstreamError(error: unknown, authority: string, serverName: string | undefined): UpstreamFailure {
  const { code, message } = describe(error);
  const name = serverName === undefined || serverName === '' ? authority : serverName;
  if (code !== undefined && (VERIFY_CODES.has(code) || (/CERT/.test(code) && !code.startsWith('ERR_SSL_')))) {
    return {
      outcome: 'tls_verify',
      status: 502,
      message: `upstream TLS verification failed for ${authority} (server name ${name}): ${code}: ${message}. The target's serving certificate is not trusted by --upstream-ca-file or does not match the server name.`,
    };
  }
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return { outcome: 'timeout', status: 504, message: `upstream ${authority} timed out: ${code}: ${message}` };
  }
  if (code !== undefined && (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO')) {
    return {
      outcome: 'tls_handshake',
      status: 502,
      message: `upstream TLS handshake with ${authority} failed: ${code}: ${message}. The target may have refused the client certificate.`,
    };
  }
  if (code === 'UND_ERR_SOCKET' && /other side closed/.test(message)) {
    return {
      outcome: 'connect',
      status: 502,
      message: `upstream ${authority} closed the connection before answering (${code}: ${message}). With TLS 1.3 this is how a target that refuses or requires the client certificate shows up: check that it trusts the client certificate's CA.`,
    };
  }
  if (code !== undefined && CONNECT_CODES.has(code)) {
    return { outcome: 'connect', status: 502, message: `upstream ${authority} unreachable: ${code}: ${message}` };
  }
  return { outcome: 'error', status: 502, message: `upstream request to ${authority} failed: ${code ?? 'unknown'}: ${message}` };
}

function describe(error: unknown): { code: string | undefined; message: string } {
  // undici wraps socket/TLS errors; the most specific code is on the innermost cause that has one.
  let current: unknown = error;
  let code: string | undefined;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const c = (current as Error & { code?: unknown }).code;
    if (typeof c === 'string') {
      code = c;
      message = current.message;
    }
    current = (current as Error & { cause?: unknown }).cause;
  }
  if (code === undefined && error instanceof Error && error.name === 'AbortError') code = 'ABORT_ERR';
  return { code, message: message.replace(/\s+/g, ' ').slice(0, 300) };
}
