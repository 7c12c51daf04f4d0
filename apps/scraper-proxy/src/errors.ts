/** Every error code the scraper-proxy raises; tests assert these, never messages. */
export type ProxyErrorCode =
  | 'PROXY_ERR_CONFIG'
  | 'PROXY_ERR_PAIR_UNREADABLE'
  | 'PROXY_ERR_PAIR_INVALID'
  | 'PROXY_ERR_PAIR_MISMATCH'
  | 'PROXY_ERR_CA_UNREADABLE'
  | 'PROXY_ERR_CA_INVALID'
  | 'PROXY_ERR_TOKEN_UNREADABLE'
  | 'PROXY_ERR_HOST_PORT'
  | 'PROXY_ERR_START'; // a start failure without a more specific code (e.g. a listen address in use)

/** The one error class of this app: a stable `code`, a message that never contains key material, an optional cause. */
export class ProxyError extends Error {
  readonly code: ProxyErrorCode;
  constructor(code: ProxyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProxyError';
    this.code = code;
  }
}

/** True when `e` is a ProxyError (with `code`, when given). */
export function isProxyError(e: unknown, code?: ProxyErrorCode): e is ProxyError {
  return e instanceof ProxyError && (code === undefined || e.code === code);
}
