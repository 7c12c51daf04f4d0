/** How a request's user was established. */
export type AuthenticationMethod = 'client-certificate' | 'token';

/** An authenticated user: from a client certificate (CN -> name, O -> groups) or a TokenReview. */
export interface UserInfo {
  readonly name: string;
  readonly groups: readonly string[];
  readonly authenticatedBy: AuthenticationMethod;
  /** TokenReview's `status.user.uid` (token users only). */
  readonly uid?: string;
  /** TokenReview's `status.user.extra` (token users only): passed on to SubjectAccessReview. */
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** Why a request is not authenticated (stable, for logs and the `reason` metric label). */
export type AuthenticationFailureReason =
  | 'no-credentials'
  | 'certificate-malformed'
  | 'certificate-untrusted'
  | 'certificate-expired'
  | 'certificate-not-yet-valid'
  | 'certificate-usage'
  | 'certificate-subject'
  | 'token-invalid'
  | 'token-error';

/**
 * The result of authenticating one request: data, never an exception.
 * `ok: false` always maps to 401; `detail` is for logs only (never sent to the client).
 */
export type AuthenticationResult =
  | { readonly ok: true; readonly user: UserInfo }
  | { readonly ok: false; readonly reason: AuthenticationFailureReason; readonly detail: string };

/** Builds a failed {@link AuthenticationResult}. */
export function notAuthenticated(reason: AuthenticationFailureReason, detail: string): AuthenticationResult {
  return { ok: false, reason, detail };
}
