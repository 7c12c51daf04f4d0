/**
 * A non-overlapping polling loop: `check()` runs `poll` now (joining a run in progress),
 * `start()` repeats it every `intervalMs` on an unref'd timer (it never keeps the process
 * alive), `stop()` cancels the timer and waits for a run in progress.
 */
export class PollLoop<R> {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<R> | undefined;
  #stopped = true;

  constructor(
    private readonly poll: () => Promise<R>,
    private readonly intervalMs: number,
  ) {}

  /** Starts polling; a no-op when already started. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule();
  }

  /** Stops polling and waits for a poll in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Polls once now; polls never overlap. */
  check(): Promise<R> {
    this.#running ??= this.poll().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.check().finally(() => this.#schedule()), this.intervalMs);
    this.#timer.unref();
  }
}
