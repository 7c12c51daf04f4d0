/** Stable codes for every failure process-kit raises itself. */
export type ProcessKitErrorCode =
  | 'PROCESS_KIT_ERR_BOOLEAN' // not one of Go's strconv.ParseBool spellings
  | 'PROCESS_KIT_ERR_DURATION' // not a Go time.ParseDuration string, or out of range
  | 'PROCESS_KIT_ERR_HOST_PORT' // not a net.SplitHostPort address, or a bad port
  | 'PROCESS_KIT_ERR_LOG_LEVEL' // not a log level / verbosity
  | 'PROCESS_KIT_ERR_FLAGS' // the command line does not parse (unknown flag, missing value)
  | 'PROCESS_KIT_ERR_FILE_UNREADABLE' // a watched file cannot be read
  | 'PROCESS_KIT_ERR_FILE_INVALID' // a watched file's content was refused by its validator
  | 'PROCESS_KIT_ERR_KUBECONFIG'; // no kubeconfig source applies

/** The one error class of this package; tests assert `code`, never the message. */
export class ProcessKitError extends Error {
  readonly code: ProcessKitErrorCode;
  constructor(code: ProcessKitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProcessKitError';
    this.code = code;
  }
}

/** True when `e` is a ProcessKitError (optionally with this exact code). */
export function isProcessKitError(e: unknown, code?: ProcessKitErrorCode): e is ProcessKitError {
  return e instanceof ProcessKitError && (code === undefined || e.code === code);
}

/** The `code` of any coded error (`err.code` when it is a string), else undefined. */
export function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}
