/** One thing to undo: an async way (normal path) and an optional synchronous way (process exit). */
interface Entry {
  readonly name: string;
  readonly undo: () => Promise<void>;
  readonly emergency: (() => void) | undefined;
  done: boolean;
}

/**
 * Everything the scenario created, undone in reverse order (LIFO), exactly once.
 * `run()` is the normal path (try/finally); `runEmergency()` is for `process.on('exit')`,
 * where only synchronous work is possible (kill by pid, `ip netns del`).
 * A failing undo never stops the others; failures are returned as messages.
 */
export class CleanupStack {
  readonly #entries: Entry[] = [];
  #hooksInstalled = false;

  /** Registers `undo` (and optionally a synchronous `emergency` variant) under `name`. */
  defer(name: string, undo: () => Promise<void> | void, emergency?: () => void): void {
    this.#entries.push({ name, undo: async () => undo(), emergency, done: false });
  }

  /** How many undos are still pending. */
  get pending(): number {
    return this.#entries.filter((e) => !e.done).length;
  }

  /** Runs every pending undo, newest first; returns one message per failure. */
  async run(onProgress: (name: string) => void = () => undefined): Promise<string[]> {
    const failures: string[] = [];
    for (const entry of [...this.#entries].reverse()) {
      if (entry.done) continue;
      entry.done = true;
      onProgress(entry.name);
      try {
        await entry.undo();
      } catch (e) {
        failures.push(`${entry.name}: ${(e as Error).message}`);
      }
    }
    return failures;
  }

  /** Synchronous last resort for pending entries (process exit). Never throws. */
  runEmergency(): void {
    for (const entry of [...this.#entries].reverse()) {
      if (entry.done) continue;
      entry.done = true;
      try {
        entry.emergency?.();
      } catch {
        // Best effort: the process is exiting.
      }
    }
  }

  /**
   * Makes sure nothing outlives this process: SIGINT/SIGTERM run the async cleanup, then exit
   * (130/143); `exit` (including uncaught errors) runs the synchronous emergency path.
   * Returns a function that removes the hooks again. Idempotent.
   */
  installProcessHooks(log: (line: string) => void = () => undefined): () => void {
    if (this.#hooksInstalled) return () => undefined;
    this.#hooksInstalled = true;
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: cleaning up`);
      void this.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    const onExit = (): void => this.runEmergency();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('exit', onExit);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('exit', onExit);
      this.#hooksInstalled = false;
    };
  }
}
