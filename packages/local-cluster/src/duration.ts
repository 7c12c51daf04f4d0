import { formatGoDuration as formatGo, isProcessKitError, parseDurationFlag } from '@certscrape/process-kit';
import { LocalClusterError } from './errors.js';

/**
 * Parses a duration into whole seconds with process-kit's Go `time.ParseDuration` grammar
 * ("10m", "1h30m", "90s", "1h0m0s", "1.5h"), or a bare number of seconds ("600", kept for the
 * documented flag values). Fails with LOCAL_CLUSTER_ERR_DURATION on anything else, on zero or
 * negative durations, or on fractions of a second.
 */
export function parseDurationSeconds(text: string): number {
  let ms: number;
  try {
    ms = parseDurationFlag(text.trim(), { bareSeconds: true, minMs: 1 });
  } catch (cause) {
    if (!isProcessKitError(cause)) throw cause;
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_DURATION', `not a duration: ${JSON.stringify(text)} (use e.g. 10m, 1h30m, 600): ${cause.message}`, { cause });
  }
  if (!Number.isSafeInteger(ms / 1000)) {
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_DURATION', `duration ${JSON.stringify(text)} is not a whole number of seconds`);
  }
  return ms / 1000;
}

/** Formats whole seconds (> 0) as a Go duration that Kubernetes flags accept: 600 -> "10m0s", 3600 -> "1h0m0s", 45 -> "45s". */
export function formatGoDuration(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_DURATION', `cannot format ${seconds} as a duration`);
  }
  return formatGo(seconds);
}
