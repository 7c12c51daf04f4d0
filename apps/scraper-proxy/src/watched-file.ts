import { FileSource } from '@certscrape/process-kit';
import type { Logger } from 'pino';
import { ProxyError } from './errors.js';
import type { ProxyErrorCode } from './errors.js';

/** Options of {@link openWatchedFile}. */
export interface WatchedFileOptions<T> {
  readonly path: string;
  /** What the file is, for log lines ("upstream CA bundle"). */
  readonly description: string;
  /** Turns content into a value; throws (any error) to refuse the content. */
  readonly parse: (content: Buffer) => T;
  /** Codes of the errors the open rejects with when the file is unreadable / does not parse at start. */
  readonly errorCodes: { readonly unreadable: ProxyErrorCode; readonly invalid: ProxyErrorCode };
  /** Default 500 ms. */
  readonly pollIntervalMs?: number;
  readonly logger?: Logger;
}

/**
 * A single mounted file (CA bundle, token) kept current by process-kit's FileSource, the same
 * mechanism as the certificate pair: loaded once (fail fast, coded ProxyError), then polled and
 * compared by content; content that does not parse is refused with one warning and the last good
 * value stays in use. Listen to `change`; `start()` / `stop()` / `check()` as FileSource.
 */
export async function openWatchedFile<T>(options: WatchedFileOptions<T>): Promise<FileSource<T>> {
  const { path, description, logger } = options;
  const source = await FileSource.open<T>({
    files: [path],
    intervalMs: options.pollIntervalMs ?? 500,
    unreadable: (_f, e) => new ProxyError(options.errorCodes.unreadable, `cannot read ${description} ${path}: ${(e as { code?: string }).code ?? String(e)}`, { cause: e }),
    parse: ([content]) => {
      try {
        return options.parse(content as Buffer);
      } catch (e) {
        throw new ProxyError(options.errorCodes.invalid, `${description} ${path} is not valid: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    },
  });
  source.on('refused', ({ reason, error }) =>
    reason === 'unreadable'
      ? logger?.debug({ path, code: (error as { code?: string }).code }, `cannot read ${description}; keeping the last good one`)
      : logger?.warn({ path, reason: error instanceof Error ? error.message : String(error) }, `refused new ${description}; keeping the last good one`),
  );
  source.on('change', () => logger?.info({ path }, `reloaded ${description}`));
  return source;
}
