import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ProxyError } from './errors.js';
import type { ProxyErrorCode } from './errors.js';
import { PollLoop } from './poll-loop.js';

/** Options of WatchedFile.load. */
export interface WatchedFileOptions<T> {
  readonly path: string;
  /** What the file is, for log lines ("upstream CA bundle"). */
  readonly description: string;
  /** Turns content into a value; throws (any error) to refuse the content. */
  readonly parse: (content: Buffer) => T;
  /** Codes of the errors `load()` rejects with when the file is unreadable / does not parse at start. */
  readonly errorCodes: { readonly unreadable: ProxyErrorCode; readonly invalid: ProxyErrorCode };
  /** Default 500 ms. */
  readonly pollIntervalMs?: number;
  readonly logger?: Logger;
}

interface WatchedFileEvents<T> {
  change: [value: T];
}

/**
 * A single mounted file (CA bundle, token) kept current the same way as the certificate pair: loaded once
 * (fail fast), then polled and compared by content; content that does not parse is refused with one warning and
 * the last good value stays in use.
 */
export class WatchedFile<T> extends EventEmitter<WatchedFileEvents<T>> {
  private value: T;
  private content: Buffer;
  private refused: Buffer | undefined;
  private readonly options: WatchedFileOptions<T>;
  private readonly loop: PollLoop<void>;

  private constructor(options: WatchedFileOptions<T>, content: Buffer, value: T) {
    super();
    this.options = options;
    this.content = content;
    this.value = value;
    this.loop = new PollLoop(() => this.poll(), options.pollIntervalMs ?? 500);
  }

  /** Reads and parses the file; rejects with `errorCode` when it cannot. */
  static async load<T>(options: WatchedFileOptions<T>): Promise<WatchedFile<T>> {
    let content: Buffer;
    try {
      content = await readFile(options.path);
    } catch (e) {
      throw new ProxyError(options.errorCodes.unreadable, `cannot read ${options.description} ${options.path}: ${(e as { code?: string }).code ?? String(e)}`, { cause: e });
    }
    try {
      return new WatchedFile(options, content, options.parse(content));
    } catch (e) {
      throw new ProxyError(options.errorCodes.invalid, `${options.description} ${options.path} is not valid: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  /** The value in use. */
  get current(): T {
    return this.value;
  }

  /** Starts polling every pollIntervalMs (default 500 ms). The timer does not keep the process alive. */
  start(): this {
    this.loop.start();
    return this;
  }

  /** Stops polling and waits for a poll in progress. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Polls once now (polls never overlap). */
  check(): Promise<void> {
    return this.loop.check();
  }

  private async poll(): Promise<void> {
    const { logger, description, path } = this.options;
    let content: Buffer;
    try {
      content = await readFile(path);
    } catch (e) {
      logger?.debug({ path, code: (e as { code?: string }).code }, `cannot read ${description}; keeping the last good one`);
      return;
    }
    if (content.equals(this.content) || (this.refused !== undefined && content.equals(this.refused))) return;
    try {
      this.value = this.options.parse(content);
    } catch (e) {
      this.refused = content;
      logger?.warn({ path, reason: e instanceof Error ? e.message : String(e) }, `refused new ${description}; keeping the last good one`);
      return;
    }
    this.content = content;
    this.refused = undefined;
    logger?.info({ path }, `reloaded ${description}`);
    this.emit('change', this.value);
  }
}
