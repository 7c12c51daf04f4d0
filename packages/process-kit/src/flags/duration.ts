import { ProcessKitError } from '../errors.js';

/** Nanoseconds per unit, as Go's time package defines them (both micro signs included). */
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // U+00B5 micro sign
  ['\u03bcs', 1_000n], // U+03BC Greek small letter mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);
const LIMIT = 1n << 63n; // Go works in uint64 and allows -(1<<63) .. (1<<63)-1 ns

function invalid(orig: string, why: string): ProcessKitError {
  return new ProcessKitError('PROCESS_KIT_ERR_DURATION', `invalid duration ${JSON.stringify(orig)}: ${why}`);
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/**
 * Parses a duration exactly as Go's `time.ParseDuration` does and returns nanoseconds: a signed
 * sequence of decimal numbers, each with optional fraction and a unit (`ns`, `us`/`µs`/`μs`, `ms`,
 * `s`, `m`, `h`), e.g. `300ms`, `-1.5h`, `2h45m`. `0` (optionally signed) needs no unit; any other
 * number does. The range is that of Go's int64 Duration; out of range, malformed or unitless input
 * throws PROCESS_KIT_ERR_DURATION. Fractions are computed in float64 like Go, so results are
 * bit-for-bit Go's (proved against Go itself in duration.go-oracle.int.test.ts).
 */
export function parseGoDuration(orig: string): bigint {
  let s = orig;
  let d = 0n;
  let neg = false;
  if (s !== '') {
    const c = s[0];
    if (c === '-' || c === '+') {
      neg = c === '-';
      s = s.slice(1);
    }
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid(orig, 'empty');
  while (s !== '') {
    let v = 0n;
    let f = 0n;
    let scale = 1;
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid(orig, 'expected a number');
    // leadingInt: [0-9]*
    let i = 0;
    for (; i < s.length && isDigit(s[i]); i++) {
      if (v > LIMIT / 10n) throw invalid(orig, 'out of range');
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > LIMIT) throw invalid(orig, 'out of range');
    }
    const pre = i > 0;
    s = s.slice(i);
    // (\.[0-9]*)?
    let post = false;
    if (s !== '' && s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      for (; j < s.length && isDigit(s[j]); j++) {
        if (overflow) continue;
        if (f > (LIMIT - 1n) / 10n) {
          // Go stops accumulating (it would overflow) but keeps consuming digits.
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
        if (y > LIMIT) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid(orig, 'expected digits around "."');
    let k = 0;
    for (; k < s.length; k++) {
      const c = s[k];
      if (c === '.' || isDigit(c)) break;
    }
    if (k === 0) throw invalid(orig, 'missing unit');
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = UNITS.get(u);
    if (unit === undefined) throw invalid(orig, `unknown unit ${JSON.stringify(u)}`);
    if (v > LIMIT / unit) throw invalid(orig, 'out of range');
    v *= unit;
    if (f > 0n) {
      // float64, as Go: nanosecond-accurate for fractions of the largest unit.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) throw invalid(orig, 'out of range');
    }
    d += v;
    if (d > LIMIT) throw invalid(orig, 'out of range');
  }
  if (neg) return -d;
  if (d > LIMIT - 1n) throw invalid(orig, 'out of range');
  return d;
}

/** Options of {@link parseDurationFlag}. */
export interface DurationFlagOptions {
  /** The flag's name, for the error message. */
  readonly flag?: string;
  /** Smallest accepted value in ms (inclusive). Default 0 (negative durations are refused). */
  readonly minMs?: number;
  /**
   * Compatibility with this project's older flags: a bare whole number (`600`) means seconds.
   * Go (and so this parser by default) refuses it. Default false.
   */
  readonly bareSeconds?: boolean;
}

/**
 * A duration flag value in milliseconds (may be fractional, e.g. `1.5ms`), parsed as Go does
 * (see {@link parseGoDuration}) and checked against `minMs`. Throws PROCESS_KIT_ERR_DURATION.
 */
export function parseDurationFlag(text: string, options: DurationFlagOptions = {}): number {
  const flag = options.flag ?? 'duration';
  let ns: bigint;
  if (options.bareSeconds && /^\d+$/.test(text)) {
    ns = BigInt(text) * 1_000_000_000n;
  } else {
    try {
      ns = parseGoDuration(text);
    } catch (e) {
      throw new ProcessKitError('PROCESS_KIT_ERR_DURATION', `${flag}: ${(e as Error).message} (e.g. 500ms, 30s, 1m30s)`, { cause: e });
    }
  }
  const ms = Number(ns) / 1e6;
  const min = options.minMs ?? 0;
  if (ms < min) throw new ProcessKitError('PROCESS_KIT_ERR_DURATION', `${flag}: ${JSON.stringify(text)} is less than ${min}ms`);
  return ms;
}

/** Formats nanoseconds as Go's `Duration.String()` does for whole seconds and above: 600s -> `10m0s`. */
export function formatGoDuration(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new ProcessKitError('PROCESS_KIT_ERR_DURATION', `cannot format ${seconds} s as a duration`);
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
