import type { AuthenticationMethod } from '../authn/user-info.js';
import { DENIED_NO_RULE, type AuthorizationDecision, type Authorizer, type RequestAttributes } from './authorizer.js';

/** One member of a {@link UnionAuthorizer}, optionally restricted to users authenticated one way. */
export interface UnionMember {
  readonly authorizer: Authorizer;
  /** Only consult this member for users authenticated by one of these methods. Default: all. */
  readonly onlyFor?: readonly AuthenticationMethod[];
}

/**
 * Asks members in order; the first allow wins, otherwise denied (default deny).
 * Used as: static rules first, then (for token users only) the delegated SubjectAccessReview,
 * so certificate-authenticated requests never leave the process.
 * An error from a member propagates (-> 500), it is never turned into an allow.
 */
export class UnionAuthorizer implements Authorizer {
  readonly #members: readonly UnionMember[];

  constructor(members: readonly UnionMember[]) {
    this.#members = members;
  }

  authorize(attributes: RequestAttributes): AuthorizationDecision | Promise<AuthorizationDecision> {
    return this.#from(0, attributes, DENIED_NO_RULE);
  }

  #from(start: number, attributes: RequestAttributes, last: AuthorizationDecision): AuthorizationDecision | Promise<AuthorizationDecision> {
    for (let i = start; i < this.#members.length; i++) {
      const m = this.#members[i] as UnionMember;
      if (m.onlyFor !== undefined && !m.onlyFor.includes(attributes.user.authenticatedBy)) continue;
      const d = m.authorizer.authorize(attributes);
      if (isPromise(d)) return d.then((r) => (r.allowed ? r : this.#from(i + 1, attributes, r)));
      if (d.allowed) return d;
      last = d;
    }
    return last.allowed ? DENIED_NO_RULE : last;
  }
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown }).then === 'function';
}
