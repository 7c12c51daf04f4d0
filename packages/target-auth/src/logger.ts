/** The logging surface this package uses; a pino logger satisfies it. Never given key material. */
export interface TargetAuthLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Discards everything (the default). */
export const silentLogger: TargetAuthLogger = Object.freeze({
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});
