/** Every error code this package throws; tests and callers branch on these, never on messages. */
export type PkcsErrorCode =
  | 'PKCS_ERR_PEM_EMPTY'
  | 'PKCS_ERR_PEM_LABEL'
  | 'PKCS_ERR_PEM_MALFORMED'
  | 'PKCS_ERR_PEM_MULTIPLE'
  | 'PKCS_ERR_PEM_HEADERS'
  | 'PKCS_ERR_PEM_TRAILING'
  | 'PKCS_ERR_DER'
  | 'PKCS_ERR_KEY_UNSUPPORTED'
  | 'PKCS_ERR_KEY_INVALID'
  | 'PKCS_ERR_KEY_MISMATCH'
  | 'PKCS_ERR_CSR_INVALID'
  | 'PKCS_ERR_CERT_INVALID'
  | 'PKCS_ERR_NAME_INVALID'
  | 'PKCS_ERR_EXTENSION_INVALID';

/** The one error class of this package: a stable `code` plus a human message (never key material). */
export class PkcsError extends Error {
  readonly code: PkcsErrorCode;

  constructor(code: PkcsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PkcsError';
    this.code = code;
  }
}

/** True when `e` is a PkcsError (and, when given, carries exactly `code`). */
export function isPkcsError(e: unknown, code?: PkcsErrorCode): e is PkcsError {
  return e instanceof PkcsError && (code === undefined || e.code === code);
}

/** Low-level structural codes that a parser re-labels with its own code (keeping the original as cause). */
const RELABELLED: ReadonlySet<PkcsErrorCode> = new Set(['PKCS_ERR_DER', 'PKCS_ERR_NAME_INVALID', 'PKCS_ERR_EXTENSION_INVALID']);

function passThrough(e: unknown, code: PkcsErrorCode): boolean {
  return e instanceof PkcsError && (e.code === code || !RELABELLED.has(e.code));
}

/**
 * Runs `fn`; foreign errors and low-level structural PkcsErrors (DER, name, extension) are rethrown as
 * a PkcsError with `code` (the original as cause). Other PkcsErrors pass through unchanged.
 */
export function withCode<T>(code: PkcsErrorCode, message: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (passThrough(e, code)) throw e;
    throw new PkcsError(code, `${message}: ${describeCause(e)}`, { cause: e });
  }
}

/** Async form of {@link withCode}. */
export async function withCodeAsync<T>(code: PkcsErrorCode, message: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (passThrough(e, code)) throw e;
    throw new PkcsError(code, `${message}: ${describeCause(e)}`, { cause: e });
  }
}

function describeCause(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
