import { LocalClusterError } from './errors.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/**
 * Parses a duration into whole seconds: a Go-style duration made of `h`/`m`/`s` parts
 * ("10m", "1h30m", "90s", "1h0m0s") or a bare number of seconds ("600").
 * Fails with LOCAL_CLUSTER_ERR_DURATION on anything else, on zero, or on fractions of a second.
 */
export function parseDurationSeconds(text: string): number {
  const s = text.trim();
  if (/^\d+$/.test(s)) return positive(Number(s), text);
  if (!/^(\d+(\.\d+)?[hms])+$/.test(s)) {
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_DURATION', `not a duration: ${JSON.stringify(text)} (use e.g. 10m, 1h30m, 600)`);
  }
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)([hms])/g)) {
    total += Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
  }
  if (!Number.isInteger(total)) {
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_DURATION', `duration ${JSON.stringify(text)} is not a whole number of seconds`);
  }
  return positive(total, text);
}

function positive(n: number, text: string): number {
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_DURATION', `duration ${JSON.stringify(text)} must be a positive number of seconds`);
  }
  return n;
}

/** Formats whole seconds as a Go duration that Kubernetes flags accept: 600 -> "10m0s", 3600 -> "1h0m0s", 45 -> "45s". */
export function formatGoDuration(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_DURATION', `cannot format ${seconds} as a duration`);
  }
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
