import { pino } from 'pino';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';
import type { LogLevel } from './flags/log-level.js';
import { REDACTED, redactText } from './redact.js';

/**
 * Field paths pino censors outright (named secrets whose values need not look secret: passwords,
 * opaque tokens, key bytes). Everything else is caught by {@link redactText} on the whole line.
 */
export const REDACT_PATHS: readonly string[] = [
  'key', '*.key', 'keyPem', '*.keyPem', 'privateKey', '*.privateKey', 'privateKeyPem', '*.privateKeyPem',
  '"tls.key"', '*["tls.key"]', 'data["tls.key"]', '*.data["tls.key"]',
  'token', '*.token', 'bearerToken', '*.bearerToken', 'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken',
  'password', '*.password', 'secret', '*.secret',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'headers.Authorization', '*.headers.Authorization',
  'user.token', '*.user.token', 'user.keyData', '*.user.keyData', 'user.password', '*.user.password',
];

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** `name` on every line: the bin (`certscrape-scraper-proxy`). */
  readonly name: string;
  /** Default `info`. */
  readonly level?: LogLevel | string;
  /** Extra fields on every line. */
  readonly base?: Record<string, unknown>;
  /** Where lines go. Default: stdout, written synchronously (nothing is lost on exit). */
  readonly destination?: DestinationStream | { write(line: string): unknown };
  /** Extra field paths on top of {@link REDACT_PATHS}. */
  readonly redact?: readonly string[];
}

/** Wraps a destination so every line passes through {@link redactText} before it is written. */
export function redactingDestination(inner: { write(line: string): unknown }): DestinationStream {
  return { write: (line: string) => void inner.write(redactText(line)) };
}

/**
 * The one log format of every certscrape bin: one JSON object per line,
 * `{"level":"info","time":"<ISO 8601>","name":"<bin>","msg":"...", ...fields}`, errors under
 * `err` with `type`, `message`, `stack`. Secrets are removed twice: named fields by pino's
 * `redact` ({@link REDACT_PATHS}), and any PEM private key, Bearer token, JWT or Authorization
 * value anywhere in the serialized line by {@link redactText}.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const opts: LoggerOptions = {
    name: options.name,
    level: options.level ?? 'info',
    base: { ...(options.base ?? {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS, ...(options.redact ?? [])], censor: REDACTED },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  const inner = options.destination ?? pino.destination({ fd: 1, sync: true });
  return pino(opts, redactingDestination(inner));
}

export type { Logger } from 'pino';
