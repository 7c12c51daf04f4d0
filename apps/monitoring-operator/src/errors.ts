/** Stable error codes of the monitoring operator; tests assert these, never messages. */
export type OperatorErrorCode =
  | 'OPERATOR_ERR_CONFIG'          // a flag or environment value is invalid
  | 'OPERATOR_ERR_APISERVER'       // kube-apiserver could not be reached or refused the start-up probe
  | 'OPERATOR_ERR_SECRET_TYPE';    // the target Secret exists with a type other than kubernetes.io/tls (desiredTlsSecret's guard)
// Waiting states (no CA bundle, a Secret of another type, a lost write race) are outcomes of a
// reconcile step, not errors: see certificate-step.ts.

/**
 * The operator's one error class. Messages never contain key material: callers pass
 * names, codes and public facts only.
 */
export class OperatorError extends Error {
  readonly code: OperatorErrorCode;
  constructor(code: OperatorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OperatorError';
    this.code = code;
  }
}

/** True when `e` is an {@link OperatorError}, optionally with the given code. */
export function isOperatorError(e: unknown, code?: OperatorErrorCode): e is OperatorError {
  return e instanceof OperatorError && (code === undefined || e.code === code);
}
