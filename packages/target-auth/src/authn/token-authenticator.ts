import { createHash } from 'node:crypto';
import type { TokenReviewClient } from '../delegated-clients.js';
import { TtlCache } from '../ttl-cache.js';
import { notAuthenticated, type AuthenticationResult } from './user-info.js';

/** Options of {@link TokenAuthenticator}; TTL defaults follow kube-rbac-proxy. */
export interface TokenAuthenticatorOptions {
  /** Audiences to request in the TokenReview. Default: none (the apiserver's). */
  readonly audiences?: readonly string[];
  /** How long an authenticated token is cached. Default 120 000 ms. */
  readonly successTtlMs?: number;
  /** How long a rejected token is cached. Default 10 000 ms. Errors are never cached. */
  readonly failureTtlMs?: number;
  /** Max cached tokens. Default 4096. */
  readonly maxEntries?: number;
  /** Clock in ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Called with `hit` or `miss` per lookup (for metrics). */
  readonly onCacheLookup?: (result: 'hit' | 'miss') => void;
}

/**
 * Delegated bearer-token authentication through TokenReview, cached by the token's SHA-256
 * (the token itself is never stored). Used only when no client certificate was presented.
 * kube-apiserver unreachable -> `token-error` (401, fail closed), never cached.
 */
export class TokenAuthenticator {
  readonly #client: TokenReviewClient;
  readonly #cache: TtlCache<string, AuthenticationResult>;
  readonly #audiences: readonly string[];
  readonly #successTtl: number;
  readonly #failureTtl: number;
  readonly #onLookup: (result: 'hit' | 'miss') => void;

  constructor(client: TokenReviewClient, options: TokenAuthenticatorOptions = {}) {
    this.#client = client;
    this.#cache = new TtlCache({ maxEntries: options.maxEntries ?? 4096, now: options.now ?? Date.now });
    this.#audiences = options.audiences ?? [];
    this.#successTtl = options.successTtlMs ?? 120_000;
    this.#failureTtl = options.failureTtlMs ?? 10_000;
    this.#onLookup = options.onCacheLookup ?? (() => undefined);
  }

  /** Authenticates `token` (the part after `Bearer `). */
  async authenticate(token: string): Promise<AuthenticationResult> {
    const key = createHash('sha256').update(token).digest('base64');
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#onLookup('hit');
      return cached;
    }
    this.#onLookup('miss');
    let result: AuthenticationResult;
    try {
      const r = await this.#client.review(token, this.#audiences);
      result = r.authenticated
        ? { ok: true, user: { name: r.user.username, groups: r.user.groups, authenticatedBy: 'token' } }
        : notAuthenticated('token-invalid', r.error);
    } catch (cause) {
      return notAuthenticated('token-error', `TokenReview failed: ${(cause as Error).message}`);
    }
    this.#cache.set(key, result, result.ok ? this.#successTtl : this.#failureTtl);
    return result;
  }
}
