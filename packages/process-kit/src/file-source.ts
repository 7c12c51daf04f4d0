import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile as fsReadFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ProcessKitError } from './errors.js';

/** Options of {@link FileSource.open}. */
export interface FileSourceOptions<T> {
  /** The files read together as one snapshot: one file (a CA bundle, a token) or a pair (cert, key). */
  readonly files: readonly string[];
  /**
   * Validates a snapshot and turns it into the value in use; throw (any coded error) to refuse it.
   * At `open` its error is rethrown unchanged; later it makes the content "refused".
   */
  readonly parse: (contents: readonly Buffer[]) => T | Promise<T>;
  /** How often the files are re-read and compared. Default 500 ms. */
  readonly intervalMs?: number;
  /** `fs.watch` the files' directories as a hint to check early (polling stays the truth). Default true. */
  readonly watchHint?: boolean;
  /** The error `open` rejects with when a file cannot be read. Default PROCESS_KIT_ERR_FILE_UNREADABLE. */
  readonly unreadable?: (file: string, cause: unknown) => Error;
  /** Injected for tests. Default fs.promises.readFile. */
  readonly readFile?: (path: string) => Promise<Buffer>;
}

/** Result of one check. `unstable`: a file changed while the snapshot was read — look again next time. */
export type FileCheckResult = 'unchanged' | 'changed' | 'refused' | 'unstable';

/** Why a snapshot was refused: it could not be read, or `parse` threw `error`. */
export interface FileRefusal {
  readonly reason: 'unreadable' | 'invalid';
  readonly error: unknown;
}

interface FileSourceEvents<T> {
  /** A different snapshot that validated is now in use. */
  change: [value: T, contents: readonly Buffer[]];
  /** A snapshot was refused; emitted once per distinct content (or distinct read failure). */
  refused: [refusal: FileRefusal];
  /** After a refusal, the files are back to the content in use. */
  recovered: [];
}

/**
 * A hot-reloaded file (or set of files read as one snapshot) — the one implementation behind the
 * CA bundle, serving pair, client pair and token files:
 * - `open()` loads and validates it once and fails fast (rejects) when it is unusable;
 * - `start()` then polls every `intervalMs` (unref'd timer; checks never overlap; a check asked
 *   for while one runs runs once more afterwards), with `fs.watch` on the directories only as a
 *   hint — Kubernetes Secret/ConfigMap volumes swap a `..data` symlink, which file watchers miss;
 * - a check compares bytes with the snapshot in use; different bytes are validated by `parse`,
 *   taken into use only when valid (`change`), else refused (`refused`, once per distinct content)
 *   while the last good value stays in use;
 * - a multi-file snapshot is read twice and taken only when both reads agree, so a pair torn by a
 *   write in progress (new cert, old key) is never refused or used: it is re-read next time.
 */
export class FileSource<T> extends EventEmitter<FileSourceEvents<T>> {
  #value: T;
  #contents: readonly Buffer[];
  #refusedKey: string | undefined;
  readonly #options: FileSourceOptions<T>;
  readonly #read: (path: string) => Promise<Buffer>;
  #timer: NodeJS.Timeout | undefined;
  #watchers: FSWatcher[] = [];
  #running: Promise<FileCheckResult> | undefined;
  #again = false;
  #started = false;
  #stopped = false;

  private constructor(options: FileSourceOptions<T>, contents: readonly Buffer[], value: T) {
    super();
    this.#options = options;
    this.#read = options.readFile ?? ((p) => fsReadFile(p));
    this.#contents = contents;
    this.#value = value;
  }

  /** Reads and validates the files; rejects with `unreadable(...)` or `parse`'s error. Does not start polling. */
  static async open<T>(options: FileSourceOptions<T>): Promise<FileSource<T>> {
    const read = options.readFile ?? ((p: string) => fsReadFile(p));
    const contents = await Promise.all(
      options.files.map(async (f) => {
        try {
          return await read(f);
        } catch (cause) {
          throw options.unreadable?.(f, cause) ?? new ProcessKitError('PROCESS_KIT_ERR_FILE_UNREADABLE', `cannot read ${f}: ${codeOf(cause)}`, { cause });
        }
      }),
    );
    const value = await options.parse(contents);
    return new FileSource(options, contents, value);
  }

  /**
   * A source whose first snapshot is already loaded and validated elsewhere (`contents` → `value`);
   * nothing is read now. With `contents` empty, the first check reports whatever it reads as a change.
   */
  static fromLoaded<T>(options: FileSourceOptions<T>, contents: readonly Buffer[], value: T): FileSource<T> {
    return new FileSource(options, contents, value);
  }

  /** The value in use (the last snapshot that validated). */
  get current(): T {
    return this.#value;
  }

  /** The bytes of the snapshot in use. */
  get contents(): readonly Buffer[] {
    return this.#contents;
  }

  /** Starts polling (and the watch hint). Idempotent. */
  start(): this {
    if (this.#started || this.#stopped) return this;
    this.#started = true;
    this.#schedule();
    if (this.#options.watchHint ?? true) {
      for (const dir of new Set(this.#options.files.map((f) => dirname(f)))) {
        try {
          const w = watch(dir, { persistent: false }, () => void this.check());
          w.on('error', () => w.close());
          this.#watchers.push(w);
        } catch {
          // Only a hint: polling still covers this directory.
        }
      }
    }
    return this;
  }

  /** Stops polling and watching and waits for a check in progress. `current` keeps the last value. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
    await this.#running?.catch(() => undefined);
  }

  /** Checks now. A check already running is joined, and one more check follows it. */
  check(): Promise<FileCheckResult> {
    if (this.#stopped) return Promise.resolve('unchanged');
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    const run = (async () => {
      let result: FileCheckResult;
      do {
        this.#again = false;
        result = await this.#checkOnce();
      } while (this.#again && !this.#stopped);
      return result;
    })();
    this.#running = run.finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.check().finally(() => this.#schedule()), this.#options.intervalMs ?? 500);
    this.#timer.unref();
  }

  async #snapshot(): Promise<Buffer[]> {
    return Promise.all(this.#options.files.map((f) => this.#read(f)));
  }

  async #checkOnce(): Promise<FileCheckResult> {
    let contents: Buffer[];
    try {
      contents = await this.#snapshot();
      if (contents.length > 1) {
        const again = await this.#snapshot();
        if (!again.every((c, i) => c.equals(contents[i] as Buffer))) return 'unstable';
      }
    } catch (error) {
      return this.#refuse(`unreadable:${codeOf(error)}`, { reason: 'unreadable', error });
    }
    if (sameContents(contents, this.#contents)) {
      if (this.#refusedKey !== undefined) {
        this.#refusedKey = undefined;
        this.emit('recovered');
      }
      return 'unchanged';
    }
    const key = `content:${digest(contents)}`;
    if (key === this.#refusedKey) return 'refused';
    let value: T;
    try {
      value = await this.#options.parse(contents);
    } catch (error) {
      return this.#refuse(key, { reason: 'invalid', error });
    }
    this.#value = value;
    this.#contents = contents;
    this.#refusedKey = undefined;
    this.#emitSafely('change', value, contents);
    return 'changed';
  }

  #refuse(key: string, refusal: FileRefusal): FileCheckResult {
    if (key !== this.#refusedKey) {
      this.#refusedKey = key;
      this.#emitSafely('refused', refusal);
    }
    return 'refused';
  }

  #emitSafely<K extends keyof FileSourceEvents<T>>(event: K, ...args: FileSourceEvents<T>[K]): void {
    try {
      (this.emit as (e: K, ...a: FileSourceEvents<T>[K]) => boolean)(event, ...args);
    } catch {
      // A listener's bug must not stop polling or become an unhandled rejection.
    }
  }
}

function digest(contents: readonly Buffer[]): string {
  const h = createHash('sha256');
  for (const c of contents) h.update(createHash('sha256').update(c).digest());
  return h.digest('hex');
}

function sameContents(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((c, i) => c.equals(b[i] as Buffer));
}

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
}
