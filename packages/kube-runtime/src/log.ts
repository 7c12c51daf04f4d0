/** The logging surface kube-runtime needs; a pino Logger satisfies it. */
export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything (the default when none is injected). */
export const silentLog: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
