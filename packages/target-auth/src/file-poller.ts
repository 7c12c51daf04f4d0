import { FileSource } from '@certscrape/process-kit';

/** Options of {@link FilePoller}. */
export interface FilePollerOptions {
  /** Files read together as one snapshot (e.g. a cert and its key). */
  readonly files: readonly string[];
  /** Poll interval. Default 500 ms. */
  readonly intervalMs?: number;
  /** Also use `fs.watch` on the files' directories as a hint to check early. Default true. */
  readonly watchHint?: boolean;
  /** Called when the snapshot's bytes differ from the last snapshot seen. */
  readonly onChange: (contents: readonly Buffer[]) => void | Promise<void>;
  /** Called when a read fails (once per distinct failure, not on every poll) or `onChange` throws. */
  readonly onReadError: (error: Error) => void;
}

/**
 * Raw-bytes change notification over process-kit's FileSource (the one hot-reload mechanism:
 * poll + compare bytes, `fs.watch` only as a hint, non-overlapping unref'd checks, torn multi-file
 * snapshots re-read). Prefer FileSource itself, which also validates and keeps the last good value;
 * this stays for callers that only want the bytes.
 */
export class FilePoller {
  readonly #source: FileSource<readonly Buffer[]>;

  constructor(options: FilePollerOptions, initial?: readonly Buffer[]) {
    this.#source = FileSource.fromLoaded<readonly Buffer[]>(
      { files: options.files, intervalMs: options.intervalMs ?? 500, watchHint: options.watchHint ?? true, parse: (contents) => contents },
      initial ?? [],
      initial ?? [],
    );
    this.#source.on('change', (contents) => {
      try {
        void Promise.resolve(options.onChange(contents)).catch((e: unknown) => options.onReadError(e as Error));
      } catch (e) {
        // A consumer bug must not stop polling.
        options.onReadError(e as Error);
      }
    });
    this.#source.on('refused', ({ error }) => options.onReadError(error as Error));
  }

  /** Starts polling (and watching). */
  start(): void {
    this.#source.start();
  }

  /** Reads the files now; resolves when this check (and any queued one) is done. */
  async check(): Promise<void> {
    await this.#source.check();
  }

  /** Stops polling and watching. */
  close(): void {
    void this.#source.stop();
  }
}
