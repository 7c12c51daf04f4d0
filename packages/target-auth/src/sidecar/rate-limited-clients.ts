import type { DelegatedClients } from '../delegated-clients.js';

/** Options of {@link rateLimitDelegatedClients}; the clock is injectable for tests. */
export interface RateLimitOptions {
  /** Calls per second (after client-go defaulting); `< 0` = unlimited. */
  readonly qps: number;
  /** Bucket size (>= 1). */
  readonly burst: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * `--kube-api-qps` / `--kube-api-burst`: the delegated TokenReview/SubjectAccessReview clients
 * share one token bucket, like client-go's default rate limiter: up to `burst` calls at once,
 * refilled at `qps` per second; a call beyond that waits for its token (it is not refused).
 * Cache hits never reach the clients, so they never wait.
 */
export function rateLimitDelegatedClients(clients: DelegatedClients, options: RateLimitOptions): DelegatedClients {
  if (options.qps < 0) return clients;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const burst = Math.max(1, options.burst);
  let tokens = burst;
  let last = now();
  // Reservations are handed out in call order: each caller learns when its token is due.
  const take = (): number => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - last) / 1000) * options.qps);
    last = t;
    tokens -= 1;
    return tokens >= 0 ? 0 : (-tokens / options.qps) * 1000;
  };
  const limited = async <T>(send: () => Promise<T>): Promise<T> => {
    const wait = take();
    if (wait > 0) await sleep(wait);
    return send();
  };
  return {
    tokenReviews: { review: (token, audiences) => limited(() => clients.tokenReviews.review(token, audiences)) },
    subjectAccessReviews: { review: (q) => limited(() => clients.subjectAccessReviews.review(q)) },
  };
}
