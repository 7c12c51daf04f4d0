import { setTimeout as sleep } from 'node:timers/promises';
import { E2eError, isE2eError } from './errors.js';

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** What is awaited, for the timeout message. */
  readonly what: string;
  /** Give up after this long. Default 60 000 ms. */
  readonly timeoutMs?: number;
  /** Pause between attempts. Default 250 ms. */
  readonly intervalMs?: number;
}

/**
 * Calls `probe` until it returns a value other than `undefined` (errors count as "not yet",
 * except E2E_ERR_PROCESS_EXITED, which fails at once),
 * and returns that value. Fails with E2E_ERR_TIMEOUT naming `what` and the last error.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, options: WaitForOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      // A process that died will not come back: fail now, with its log tail.
      if (isE2eError(e, 'E2E_ERR_PROCESS_EXITED')) throw e;
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new E2eError('E2E_ERR_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${options.what}${detail}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}
