import { FileSource } from '@certscrape/process-kit';
import type { TargetAuthLogger } from './logger.js';

/** Options of {@link ReloadingFile.open}. */
export interface ReloadingFileOptions<T> {
  /** One file or a pair read as one snapshot. */
  readonly files: readonly string[];
  /** Validates a snapshot (throw a coded TargetAuthError to refuse it). */
  readonly parse: (contents: readonly Buffer[]) => T;
  /** The error `open` rejects with when a file cannot be read. */
  readonly unreadable: (file: string, cause: unknown) => Error;
  readonly pollIntervalMs?: number;
  readonly watchHint?: boolean;
  readonly logger: TargetAuthLogger;
  /** Fields on every log line about this file (`{ file }`, `{ certFile }`). */
  readonly logFields: Record<string, unknown>;
  /** Log messages: a read failure, a refused content, a listener bug. */
  readonly messages: { readonly unreadable: string; readonly refused: string; readonly listenerFailed: string };
  /** Called for a refused (invalid) content, once per distinct content (e.g. an error metric). */
  readonly onRefused?: () => void;
}

/**
 * What target-auth's hot-reloaded files share (the client CA bundle, the serving pair): process-kit's
 * FileSource plus the listener set and the warn-once logging. Listeners are told after the
 * value changed; one listener's error is logged and does not stop the others.
 */
export class ReloadingFile<T> {
  readonly #source: FileSource<T>;
  readonly #listeners = new Set<(value: T) => void>();

  private constructor(source: FileSource<T>, options: ReloadingFileOptions<T>, accept: (value: T) => T) {
    this.#source = source;
    const { logger, logFields, messages } = options;
    source.on('refused', ({ reason, error }) => {
      if (reason === 'unreadable') return logger.warn({ ...logFields, err: (error as Error).message }, messages.unreadable);
      options.onRefused?.();
      logger.warn({ ...logFields, code: (error as { code?: string }).code }, messages.refused);
    });
    source.on('change', (raw) => {
      const value = accept(raw);
      for (const l of this.#listeners) {
        try {
          l(value);
        } catch (err) {
          logger.error({ err: (err as Error).message }, messages.listenerFailed);
        }
      }
    });
  }

  /**
   * Loads and validates the files (rejects with `unreadable(...)` or `parse`'s error) and starts
   * polling. `accept` turns each newly validated value into what listeners get (and may record it).
   */
  static async open<T>(options: ReloadingFileOptions<T>, accept: (value: T) => T = (v) => v): Promise<ReloadingFile<T>> {
    const source = await FileSource.open<T>({
      files: options.files,
      intervalMs: options.pollIntervalMs ?? 500,
      watchHint: options.watchHint ?? true,
      unreadable: options.unreadable,
      parse: options.parse,
    });
    const file = new ReloadingFile(source, options, accept);
    source.start();
    return file;
  }

  /** The last value that validated. */
  get value(): T {
    return this.#source.current;
  }

  onChange(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Checks now; resolves once any change has been applied. */
  async checkNow(): Promise<void> {
    await this.#source.check();
  }

  close(): void {
    void this.#source.stop();
    this.#listeners.clear();
  }
}
