/** Capped exponential backoff parameters. Defaults: 500 ms doubling up to 30 s, +-20 % jitter. */
export interface BackoffOptions {
  /** First delay in ms. Default 500. */
  readonly initialMs?: number;
  /** Upper bound for any delay in ms (jitter included). Default 30000. */
  readonly maxMs?: number;
  /** Growth factor per attempt. Default 2. */
  readonly factor?: number;
  /** Relative jitter in [0, 1]: the delay is spread over [d*(1-j), d*(1+j)], then capped. Default 0.2. */
  readonly jitter?: number;
}

/**
 * Delay before retry number `attempt` (1-based): min(max, initial * factor^(attempt-1)),
 * spread by jitter so that many clients restarting together do not retry in lockstep.
 * Pure: `random` is injected (default Math.random).
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.2));
  const n = Math.max(1, Math.floor(attempt));
  const base = Math.min(max, initial * Math.pow(factor, Math.min(n - 1, 64)));
  const spread = base * (1 - jitter + 2 * jitter * random());
  return Math.max(0, Math.min(max, Math.round(spread)));
}

/** Stateful helper: `next()` returns the next delay and counts the attempt; `reset()` after a success. */
export class Backoff {
  private attempts = 0;
  constructor(
    private readonly options: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next retry; increments the attempt counter. */
  next(): number {
    this.attempts += 1;
    return backoffDelay(this.attempts, this.options, this.random);
  }

  /** Consecutive failures since the last reset. */
  get failures(): number {
    return this.attempts;
  }

  /** Call after a success. */
  reset(): void {
    this.attempts = 0;
  }
}
