import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';

/** What {@link ResponseForwarder} tells the handler that dispatched it. */
export interface ForwardEvents {
  /**
   * The target answered with headers. Called once, before any body byte; the callee writes the
   * response head to the scraper (`res.writeHead`).
   */
  onResponseStart(statusCode: number, headers: IncomingHttpHeaders): void;
  /** The exchange failed before the response started: nothing was written; the callee answers the scraper. */
  onFailure(error: Error): void;
  /** The response started and then ended: complete (`error` undefined), or cut short (the scraper's response was destroyed). */
  onEnd(error: Error | undefined): void;
}

/**
 * An undici dispatch handler that writes one target response straight into the scraper's
 * `ServerResponse`: each body chunk undici parsed is written as it arrives (no intermediate
 * Readable, no `pipeline()` — whose per-call AbortController cost a DOMException per scrape), with
 * backpressure (the upstream connection is paused while `res` is over its high-water mark).
 * `abort(reason)` stops the exchange at any point (the scrape deadline, the scraper going away);
 * an abort before undici started the request is applied when it starts.
 */
export class ResponseForwarder implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  #abortReason: Error | undefined;
  #started = false;
  #settled = false;
  readonly #res: ServerResponse;
  readonly #events: ForwardEvents;

  constructor(res: ServerResponse, events: ForwardEvents) {
    this.#res = res;
    this.#events = events;
    res.on('drain', () => this.#controller?.resume());
  }

  /** The reason given to the first `abort()`; undefined while not aborted. */
  get abortReason(): Error | undefined {
    return this.#abortReason;
  }

  /** Stops the exchange (idempotent); undici reports it through `onResponseError` with `reason`. */
  abort(reason: Error): void {
    if (this.#abortReason !== undefined || this.#settled) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortReason !== undefined) controller.abort(this.#abortReason);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx are interim: the final answer follows.
    if (statusCode < 200) return;
    this.#started = true;
    try {
      this.#events.onResponseStart(statusCode, headers);
    } catch (e) {
      // e.g. a header node:http will not write: the scraper gets a cut connection, not a partial answer.
      const error = e instanceof Error ? e : new Error(String(e));
      this.#settled = true;
      this.#res.destroy();
      controller.abort(error);
      this.#events.onEnd(error);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#res.write(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#res.end();
    this.#events.onEnd(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    if (!this.#started) {
      this.#events.onFailure(error);
      return;
    }
    this.#res.destroy();
    this.#events.onEnd(error);
  }
}
