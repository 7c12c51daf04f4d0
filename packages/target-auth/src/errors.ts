/** Every error code `@certscrape/target-auth` throws. Tests assert codes, not messages. */
export type TargetAuthErrorCode =
  | 'TARGET_AUTH_ERR_CONFIG_INVALID'
  | 'TARGET_AUTH_ERR_CONFIG_UNSUPPORTED'
  | 'TARGET_AUTH_ERR_FLAGS_INVALID'
  | 'TARGET_AUTH_ERR_CA_BUNDLE_READ'
  | 'TARGET_AUTH_ERR_CA_BUNDLE_EMPTY'
  | 'TARGET_AUTH_ERR_CA_BUNDLE_MALFORMED'
  | 'TARGET_AUTH_ERR_SERVING_PAIR_READ'
  | 'TARGET_AUTH_ERR_SERVING_PAIR_INVALID'
  | 'TARGET_AUTH_ERR_DELEGATED_UNAVAILABLE'
  | 'TARGET_AUTH_ERR_DELEGATED_TIMEOUT'
  | 'TARGET_AUTH_ERR_DELEGATED_RESPONSE';

/** The one error class of this package: a stable `code` plus an optional `cause`. */
export class TargetAuthError extends Error {
  readonly code: TargetAuthErrorCode;

  constructor(code: TargetAuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TargetAuthError';
    this.code = code;
  }
}

/** True when `e` is a {@link TargetAuthError} (with `code`, when given). */
export function isTargetAuthError(e: unknown, code?: TargetAuthErrorCode): e is TargetAuthError {
  return e instanceof TargetAuthError && (code === undefined || e.code === code);
}
