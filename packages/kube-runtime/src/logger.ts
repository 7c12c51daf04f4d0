import { pino } from 'pino';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';

/**
 * Paths pino censors in every log line: private keys, tokens, passwords, Authorization headers,
 * TLS key material and kubeconfig user credentials. Callers must still never pass a secret on
 * purpose; this is the safety net.
 */
export const REDACT_PATHS: readonly string[] = [
  'key', '*.key', 'keyPem', '*.keyPem', 'privateKey', '*.privateKey', 'privateKeyPem', '*.privateKeyPem',
  '"tls.key"', '*["tls.key"]', 'data["tls.key"]', '*.data["tls.key"]',
  'token', '*.token', 'bearerToken', '*.bearerToken', 'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken',
  'password', '*.password', 'secret', '*.secret',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'headers.Authorization', '*.headers.Authorization',
  'user.token', '*.user.token', 'user.keyData', '*.user.keyData', 'user.password', '*.user.password',
];

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  /** `name` field on every line (the component). */
  readonly name: string;
  /** pino level. Default `info`. */
  readonly level?: LoggerOptions['level'];
  /** Extra fields on every line. */
  readonly base?: Record<string, unknown>;
  /** Destination stream. Default stdout. */
  readonly destination?: DestinationStream;
  /** Extra redaction paths on top of {@link REDACT_PATHS}. */
  readonly redact?: readonly string[];
}

/** A JSON pino logger with ISO timestamps, `level` as a label and secret redaction. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const opts: LoggerOptions = {
    name: options.name,
    level: options.level ?? 'info',
    base: { ...(options.base ?? {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS, ...(options.redact ?? [])], censor: '[REDACTED]' },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
