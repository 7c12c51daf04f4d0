import { ProcessKitError } from '../errors.js';

/** The log levels every bin accepts on `--log-level` (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `--log-level`: one of {@link LOG_LEVELS}; throws PROCESS_KIT_ERR_LOG_LEVEL otherwise. */
export function parseLogLevel(text: string, flag = '--log-level'): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(text)) return text as LogLevel;
  throw new ProcessKitError('PROCESS_KIT_ERR_LOG_LEVEL', `${flag}: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(text)}`);
}

/**
 * `-v` / `--v` as klog reads it (a verbosity number >= 0), mapped onto pino: 0-1 info, 2-4 debug,
 * 5 and above trace. Throws PROCESS_KIT_ERR_LOG_LEVEL for anything but a whole number.
 */
export function parseVerbosity(text: string, flag = '-v'): LogLevel {
  if (!/^\d{1,3}$/.test(text)) throw new ProcessKitError('PROCESS_KIT_ERR_LOG_LEVEL', `${flag}: expected a verbosity number (0, 2, 4, ...), got ${JSON.stringify(text)}`);
  const n = Number(text);
  return n >= 5 ? 'trace' : n >= 2 ? 'debug' : 'info';
}

/**
 * The one log-level rule of every bin: `--log-level` wins, else `-v`, else the `LOG_LEVEL`
 * environment value (kept for compatibility), else `info`. Throws PROCESS_KIT_ERR_LOG_LEVEL.
 */
export function resolveLogLevel(input: { readonly logLevel?: string | undefined; readonly verbosity?: string | undefined; readonly env?: string | undefined }): LogLevel {
  if (input.logLevel !== undefined) return parseLogLevel(input.logLevel);
  if (input.verbosity !== undefined) return parseVerbosity(input.verbosity);
  if (input.env !== undefined && input.env !== '') return parseLogLevel(input.env, 'LOG_LEVEL');
  return 'info';
}
