import type { UserInfo } from '../authn/user-info.js';

/** The attributes of a non-resource request, as Kubernetes authorizers see them. */
export interface RequestAttributes {
  readonly user: UserInfo;
  /** Kubernetes verb (see `verbForMethod`). */
  readonly verb: string;
  /** The normalised, decoded path (see `normalizeRequestPath`). */
  readonly path: string;
}

/** An authorization decision is data: allowed or not, with a reason for logs. */
export interface AuthorizationDecision {
  readonly allowed: boolean;
  readonly reason: string;
}

/**
 * Decides one request. Synchronous authorizers return the decision directly (the hot path
 * allocates no promise); delegated ones return a promise. A rejected promise / thrown error
 * means "could not evaluate" and becomes a 500, never an allow.
 */
export interface Authorizer {
  authorize(attributes: RequestAttributes): AuthorizationDecision | Promise<AuthorizationDecision>;
}

/** The shared "no rule allows this" decision. */
export const DENIED_NO_RULE: AuthorizationDecision = Object.freeze({ allowed: false, reason: 'no rule allows this request' });
