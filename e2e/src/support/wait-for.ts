import { waitFor as waitUntil } from '@certscrape/local-cluster/testing';
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
 * The test kit's waitFor with the e2e contract: calls `probe` until it returns a value other than
 * `undefined`; errors count as "not yet", except E2E_ERR_PROCESS_EXITED, which fails at once (a
 * process that died will not come back); the timeout is E2E_ERR_TIMEOUT naming `what` and the
 * last error.
 */
export function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, options: WaitForOptions): Promise<T> {
  return waitUntil(async () => {
    const value = await probe();
    // The kit also treats null/false as "not yet"; here only undefined is, so wrap the others.
    return value === undefined ? undefined : { value };
  }, {
    what: options.what,
    timeoutMs: options.timeoutMs ?? 60_000,
    intervalMs: options.intervalMs ?? 250,
    fatal: (e) => isE2eError(e, 'E2E_ERR_PROCESS_EXITED'),
    onTimeout: (message, lastError) => new E2eError('E2E_ERR_TIMEOUT', message.replace(/ \(last error: (.*)\)$/, ': $1'), { cause: lastError }),
  }).then((box) => box.value);
}
