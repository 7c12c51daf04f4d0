import type { UserInfo } from '../authn/user-info.js';
import { DENIED_NO_RULE, type AuthorizationDecision, type Authorizer, type RequestAttributes } from './authorizer.js';

/**
 * One static allow rule for non-resource requests. Semantics (kube-rbac-proxy's, plus groups):
 * - `user.name`: exact user name; absent/empty = any authenticated user name.
 * - `user.groups`: the user must be in AT LEAST ONE of them; absent/empty = no group constraint.
 *   Name and groups together must BOTH hold.
 * - `verb`: exact Kubernetes verb (`get`, `create`, ...) or `*`; absent/empty = any verb.
 * - `path`: required; exact match on the normalised path, or a prefix when it ends in `*`
 *   (`/metrics/*`, as in RBAC `nonResourceURLs`).
 */
export interface StaticRule {
  readonly user?: { readonly name?: string; readonly groups?: readonly string[] };
  readonly verb?: string;
  readonly path: string;
}

/** Options of {@link StaticAuthorizer}. */
export interface StaticAuthorizerOptions {
  /** Names this authorizer in decision reasons. Default `static`. */
  readonly name?: string;
}

interface CompiledRule {
  readonly index: number;
  readonly name: string | undefined;
  readonly groups: ReadonlySet<string> | undefined;
  readonly verb: string | undefined;
  readonly exactPath: string | undefined;
  readonly pathPrefix: string | undefined;
}

/**
 * Default-deny static authorizer: allows a request only when some rule matches it.
 * No rules -> everything denied. Synchronous and allocation-free on the hot path.
 */
export class StaticAuthorizer implements Authorizer {
  readonly #rules: readonly CompiledRule[];
  readonly #allowReasons: readonly AuthorizationDecision[];

  constructor(rules: readonly StaticRule[], options: StaticAuthorizerOptions = {}) {
    const label = options.name ?? 'static';
    this.#rules = rules.map((r, index) => compile(r, index));
    this.#allowReasons = rules.map((_, i) => Object.freeze({ allowed: true, reason: `${label} rule #${i} allows this request` }));
  }

  authorize(attributes: RequestAttributes): AuthorizationDecision {
    for (const rule of this.#rules) {
      if (matches(rule, attributes)) return this.#allowReasons[rule.index] as AuthorizationDecision;
    }
    return DENIED_NO_RULE;
  }
}

function compile(rule: StaticRule, index: number): CompiledRule {
  const name = rule.user?.name ? rule.user.name : undefined;
  const groups = rule.user?.groups && rule.user.groups.length > 0 ? new Set(rule.user.groups) : undefined;
  const verb = rule.verb && rule.verb !== '*' ? rule.verb : undefined;
  const star = rule.path.endsWith('*');
  return {
    index,
    name,
    groups,
    verb,
    exactPath: star ? undefined : rule.path,
    pathPrefix: star ? rule.path.slice(0, -1) : undefined,
  };
}

function matches(rule: CompiledRule, a: RequestAttributes): boolean {
  if (rule.name !== undefined && rule.name !== a.user.name) return false;
  if (rule.groups !== undefined && !inAnyGroup(a.user, rule.groups)) return false;
  if (rule.verb !== undefined && rule.verb !== a.verb) return false;
  if (rule.exactPath !== undefined) return rule.exactPath === a.path;
  return a.path.startsWith(rule.pathPrefix as string);
}

function inAnyGroup(user: UserInfo, groups: ReadonlySet<string>): boolean {
  for (const g of user.groups) if (groups.has(g)) return true;
  return false;
}
