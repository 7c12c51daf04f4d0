import { backoffDelay } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';

/** Options for {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Per-key retry backoff. Default 200 ms doubling to 60 s, 20 % jitter. */
  readonly backoff?: BackoffOptions;
  readonly clock?: Clock;
  readonly random?: () => number;
}

/**
 * A keyed work queue in the client-go mould: a key is queued at most once, a key being processed
 * is never handed to a second worker (a re-add while processing is queued again after `done`),
 * and failed keys come back after a per-key exponential backoff. Keys are strings (e.g. object names).
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly delayed = new AbortController();
  private shuttingDown = false;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  /** Queues `key` unless it is already waiting. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Queues `key` after `ms`. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    void this.clock.sleep(ms, this.delayed.signal).then(() => {
      if (!this.delayed.signal.aborted) this.add(key);
    });
  }

  /** Queues `key` after its next backoff delay and counts the failure. */
  addRateLimited(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = backoffDelay(n, { initialMs: 200, maxMs: 60_000, ...this.options.backoff }, this.random);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the failure count of `key` (call after it was processed successfully). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Failures recorded for `key`. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Waits for the next key; undefined once the queue is shut down. Pair every key with `done`. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` processed; re-queues it if it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** Keys waiting (not counting delayed ones). */
  get length(): number {
    return this.queue.length;
  }

  /** Stops handing out keys; pending `get` calls resolve to undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    this.delayed.abort();
    for (const w of this.waiters.splice(0)) w(undefined);
    this.queue.length = 0;
    this.dirty.clear();
  }

  /**
   * Runs `workers` loops that take keys and call `handler`; a handler that throws gets its key
   * re-queued with backoff (`onError` is told), a handler that returns has its key forgotten.
   * Resolves when the queue is shut down and every worker has finished its current key.
   */
  async run(workers: number, handler: (key: string) => Promise<void>, onError?: (key: string, err: unknown, retryInMs: number) => void): Promise<void> {
    const loop = async () => {
      for (;;) {
        const key = await this.get();
        if (key === undefined) return;
        try {
          await handler(key);
          this.forget(key);
        } catch (err) {
          const delay = this.shuttingDown ? 0 : this.addRateLimited(key);
          onError?.(key, err, delay);
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, workers) }, loop));
  }
}
