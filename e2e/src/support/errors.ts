/** Stable codes of everything the e2e harness can fail with; tests assert these, not messages. */
export type E2eErrorCode =
  | 'E2E_ERR_TIMEOUT'
  | 'E2E_ERR_COMMAND'
  | 'E2E_ERR_PROCESS_EXITED'
  | 'E2E_ERR_NETNS'
  | 'E2E_ERR_PROMETHEUS'
  | 'E2E_ERR_KUBE'
  | 'E2E_ERR_NOT_ROOT'
  | 'E2E_ERR_ASSERTION';

/** The one error class of the e2e harness: a stable `code` plus an optional cause. */
export class E2eError extends Error {
  readonly code: E2eErrorCode;
  constructor(code: E2eErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'E2eError';
    this.code = code;
  }
}

/** True when `e` is an E2eError (with `code`, when given). */
export function isE2eError(e: unknown, code?: E2eErrorCode): e is E2eError {
  return e instanceof E2eError && (code === undefined || e.code === code);
}
