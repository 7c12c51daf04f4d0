import { E2eError } from './errors.js';

/** `promise`, or E2E_ERR_TIMEOUT naming `what` after `ms`. The timer never keeps the process alive. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new E2eError('E2E_ERR_TIMEOUT', `${what} not seen within ${Math.round(ms / 1000)}s`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
