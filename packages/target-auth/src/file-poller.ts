import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

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
 * Polls files and compares their content (the source of truth), with `fs.watch` on the parent
 * directories only as a hint: Kubernetes ConfigMap/Secret volumes swap a `..data` symlink, which
 * watching the file itself misses. Checks never overlap. Timers are unref'd.
 */
export class FilePoller {
  readonly #options: FilePollerOptions;
  #last: readonly Buffer[] | undefined;
  #lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #watchers: FSWatcher[] = [];
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(options: FilePollerOptions, initial?: readonly Buffer[]) {
    this.#options = options;
    this.#last = initial;
  }

  /** Starts polling (and watching). */
  start(): void {
    const interval = this.#options.intervalMs ?? 500;
    this.#timer = setInterval(() => void this.check(), interval);
    this.#timer.unref();
    if (this.#options.watchHint !== false) {
      for (const dir of new Set(this.#options.files.map((f) => dirname(f)))) {
        try {
          const w = watch(dir, { persistent: false }, () => void this.check());
          w.on('error', () => w.close());
          this.#watchers.push(w);
        } catch {
          // fs.watch is only a hint; polling still covers this directory.
        }
      }
    }
  }

  /** Reads the files now; resolves when this check (and any queued one) is done. */
  check(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      await this.#checkOnce();
    } while (this.#again && !this.#closed);
  }

  async #checkOnce(): Promise<void> {
    let contents: Buffer[];
    try {
      contents = await Promise.all(this.#options.files.map((f) => readFile(f)));
    } catch (e) {
      const err = e as Error;
      const key = `${(err as NodeJS.ErrnoException).code ?? ''}:${err.message}`;
      if (key !== this.#lastError) {
        this.#lastError = key;
        this.#options.onReadError(err);
      }
      return;
    }
    this.#lastError = undefined;
    const last = this.#last;
    if (last !== undefined && last.length === contents.length && contents.every((c, i) => c.equals(last[i] as Buffer))) return;
    this.#last = contents;
    try {
      await this.#options.onChange(contents);
    } catch (e) {
      // A consumer bug must not become an unhandled rejection that kills the process.
      this.#options.onReadError(e as Error);
    }
  }

  /** Stops polling and watching. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
  }
}
