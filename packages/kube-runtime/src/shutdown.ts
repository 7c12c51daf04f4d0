import type { Log } from './log.js';
import { silentLog } from './log.js';

/** Options for {@link createShutdown}. */
export interface ShutdownOptions {
  /** Signals that start the shutdown. Default SIGTERM and SIGINT. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Hooks get this long in total before the process is forced out. Default 10000 ms. */
  readonly timeoutMs?: number;
  /** Where signals come from and how to exit. Default the current process. */
  readonly process?: Pick<NodeJS.Process, 'on' | 'removeListener' | 'exit'>;
  readonly log?: Log;
}

/** Graceful shutdown coordinator: one AbortSignal for loops, LIFO hooks for resources. */
export interface Shutdown {
  /** Aborts when shutdown starts. */
  readonly signal: AbortSignal;
  /** Registers a cleanup hook; hooks run in reverse registration order. */
  onShutdown(name: string, hook: () => void | Promise<void>): void;
  /**
   * Starts shutdown (idempotent): aborts `signal`, runs hooks (each error logged), then resolves.
   * When triggered by a signal, the process exits afterwards with 0 (or 1 on timeout).
   */
  shutdown(reason: string): Promise<void>;
  /** Removes the signal listeners (tests). */
  dispose(): void;
}

/** Creates the process-wide shutdown coordinator. A second signal while shutting down exits at once (code 1). */
export function createShutdown(options: ShutdownOptions = {}): Shutdown {
  const proc = options.process ?? process;
  const log = options.log ?? silentLog;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const controller = new AbortController();
  const hooks: { name: string; hook: () => void | Promise<void> }[] = [];
  let running: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    if (running) return running;
    log.info({ reason }, 'shutting down');
    controller.abort();
    running = (async () => {
      for (const { name, hook } of hooks.slice().reverse()) {
        try {
          await hook();
        } catch (err) {
          log.error({ hook: name, error: String(err) }, 'shutdown hook failed');
        }
      }
    })();
    return running;
  };

  const onSignal = (sig: NodeJS.Signals) => {
    if (running) {
      log.warn({ signal: sig }, 'second signal; exiting now');
      proc.exit(1);
      return;
    }
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown timed out; exiting');
      proc.exit(1);
    }, timeoutMs);
    timer.unref();
    void shutdown(`signal ${sig}`).then(() => {
      clearTimeout(timer);
      proc.exit(0);
    });
  };
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const listeners = signals.map((s) => {
    const l = () => onSignal(s);
    proc.on(s, l);
    return [s, l] as const;
  });

  return {
    signal: controller.signal,
    onShutdown: (name, hook) => void hooks.push({ name, hook }),
    shutdown: (reason) => shutdown(reason),
    dispose: () => {
      for (const [s, l] of listeners) proc.removeListener(s, l);
    },
  };
}
