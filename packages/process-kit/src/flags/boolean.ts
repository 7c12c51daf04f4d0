import { ProcessKitError } from '../errors.js';

// Go's strconv.ParseBool, which pflag (and so every Kubernetes component) uses for boolean flags.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * Parses a boolean flag value exactly as Go's `strconv.ParseBool`: `1 t T TRUE true True` and
 * `0 f F FALSE false False`; anything else (including `yes`, ` true`, `tRUE`) throws
 * PROCESS_KIT_ERR_BOOLEAN. A flag given without a value (`--leader-elect`) is `true`: commander
 * passes no value then, so callers use this as the argParser of a `[bool]` option with default.
 */
export function parseBoolean(text: string, flag = 'value'): boolean {
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  throw new ProcessKitError('PROCESS_KIT_ERR_BOOLEAN', `${flag}: expected true or false, got ${JSON.stringify(text)}`);
}
