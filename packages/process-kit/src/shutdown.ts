/** The logging surface the shutdown needs; a pino Logger satisfies it. */
interface ShutdownLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
const quiet: ShutdownLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Options of {@link createShutdown}. */
export interface ShutdownOptions {
  /** Signals that start the shutdown. Default SIGTERM and SIGINT. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Grace period: hooks get this long in total before the process is forced out (exit 1). Default 10000 ms. */
  readonly timeoutMs?: number;
  /** Exit code after a signal-triggered shutdown. Default 0 (a requested stop); one-shot tools may use 130. */
  readonly signalExitCode?: number;
  /** Where signals come from and how to exit. Default the current process. */
  readonly process?: Pick<NodeJS.Process, 'on' | 'removeListener' | 'exit'>;
  readonly log?: ShutdownLog;
}

/** The process-wide shutdown: one AbortSignal for loops, hooks closed in reverse order of registration. */
export interface Shutdown {
  /** Aborts when shutdown starts. */
  readonly signal: AbortSignal;
  /** Registers a cleanup hook; hooks run in reverse registration order, each error logged. */
  onShutdown(name: string, hook: () => unknown): void;
  /** Runs the hooks (idempotent) and resolves when they are done; does not exit. */
  shutdown(reason: string): Promise<void>;
  /**
   * Shuts down and exits with `code` (0 after a signal or a requested stop); exits 1 when the grace
   * period passes first. Idempotent: a second call while stopping is ignored.
   */
  exit(reason: string, code: number): void;
  /** Removes the signal listeners (tests). */
  dispose(): void;
}

/**
 * The one shutdown of every bin: SIGTERM/SIGINT → abort `signal`, close hooks in reverse order
 * within the grace period, exit 0 (1 on timeout). A second signal while stopping exits 1 at once.
 */
export function createShutdown(options: ShutdownOptions = {}): Shutdown {
  const proc = options.process ?? process;
  const log = options.log ?? quiet;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const controller = new AbortController();
  const hooks: { name: string; hook: () => unknown }[] = [];
  let running: Promise<void> | undefined;
  let exiting = false;

  const shutdown = (reason: string): Promise<void> => {
    if (running) return running;
    log.info({ reason }, 'shutting down');
    controller.abort();
    running = (async () => {
      for (const { name, hook } of hooks.slice().reverse()) {
        try {
          await hook();
        } catch (err) {
          log.error({ hook: name, err }, 'shutdown hook failed');
        }
      }
    })();
    return running;
  };

  const exit = (reason: string, code: number): void => {
    if (exiting) return;
    exiting = true;
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown grace period passed; exiting');
      proc.exit(1);
    }, timeoutMs);
    timer.unref();
    void shutdown(reason).then(() => {
      clearTimeout(timer);
      proc.exit(code);
    });
  };

  const onSignal = (sig: NodeJS.Signals) => {
    if (exiting) {
      log.warn({ signal: sig }, 'second signal; exiting now');
      proc.exit(1);
      return;
    }
    exit(sig, options.signalExitCode ?? 0);
  };
  const listeners = (options.signals ?? ['SIGTERM', 'SIGINT']).map((s) => {
    const l = () => onSignal(s);
    proc.on(s, l);
    return [s, l] as const;
  });

  return {
    signal: controller.signal,
    onShutdown: (name, hook) => void hooks.push({ name, hook }),
    shutdown,
    exit,
    dispose: () => {
      for (const [s, l] of listeners) proc.removeListener(s, l);
    },
  };
}
