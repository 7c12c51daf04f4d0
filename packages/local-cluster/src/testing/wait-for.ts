import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** What is awaited, for the timeout message. */
  readonly what: string;
  /** Give up after this long. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Pause between attempts. Default 200 ms. */
  readonly intervalMs?: number;
  /** Errors for which waiting is pointless (a process that exited): rethrown at once. Default none. */
  readonly fatal?: (error: unknown) => boolean;
  /** Builds the timeout error (so a suite can keep its own coded error). Default {@link WaitTimeoutError}. */
  readonly onTimeout?: (message: string, lastError: unknown) => Error;
}

/** The timeout of {@link waitFor}: `code` is `TESTKIT_ERR_TIMEOUT`, `cause` the probe's last error. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  readonly code = 'TESTKIT_ERR_TIMEOUT';
}

/**
 * Calls `probe` until it returns a value other than `undefined`, `null` or `false`, and returns
 * it. A thrown error counts as "not yet" (unless `fatal` says otherwise) and is named in the
 * timeout message. Test-side only: the code under test never polls.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, options: WaitForOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (e) {
      if (options.fatal?.(e)) throw e;
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const detail = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      const message = `timed out after ${timeoutMs} ms waiting for ${options.what}${detail}`;
      throw options.onTimeout ? options.onTimeout(message, lastError) : new WaitTimeoutError(message, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}
