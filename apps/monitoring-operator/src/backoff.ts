/** Capped exponential backoff with multiplicative jitter. Decisions are data: tune here. */
export interface BackoffPolicy {
  /** Delay after the first failure. Default 1 s. */
  readonly initialMs: number;
  /** Growth per consecutive failure. Default 2. */
  readonly factor: number;
  /** Upper bound of the un-jittered delay. Default 5 min. */
  readonly maxMs: number;
  /** Jitter fraction: the delay is scaled by a factor in [1 - jitter, 1 + jitter). Default 0.2. */
  readonly jitter: number;
}

/** Default retry policy for denied/failed CSRs and API errors. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, factor: 2, maxMs: 5 * 60_000, jitter: 0.2 };

/**
 * Delay before the next attempt after `failures` consecutive failures (>= 1).
 * With factor 2 and jitter 0.2 consecutive delays strictly grow until the cap.
 * `random` returns a number in [0, 1).
 */
export function backoffDelayMs(failures: number, random: () => number = Math.random, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const n = Math.max(1, Math.floor(failures));
  const raw = Math.min(policy.maxMs, policy.initialMs * policy.factor ** (n - 1));
  const scale = 1 - policy.jitter + 2 * policy.jitter * random();
  return Math.round(raw * scale);
}
