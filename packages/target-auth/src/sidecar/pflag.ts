import { TargetAuthError } from '../errors.js';
import { parseBoolean, parseGoDuration } from '@certscrape/process-kit';

/** The value kinds of spf13/pflag that kube-rbac-proxy's flags use. */
export type FlagKind = 'string' | 'bool' | 'int' | 'uint32' | 'uint64' | 'float32' | 'duration' | 'stringSlice' | 'stringArray';

/** One flag: its long name, kind and optional one-letter shorthand. */
export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly shorthand?: string;
  /** The value a bare `--name` sets for non-bool flags (pflag's NoOptDefVal), e.g. `--version`. */
  readonly noOptDefault?: string;
}

/** A parsed value: durations in ms, slices/arrays as string lists. */
export type FlagValue = string | boolean | number | readonly string[];

/** Which flags were set (in order of first appearance) and their values. */
export interface ParsedPflags {
  readonly values: ReadonlyMap<string, FlagValue>;
}

/**
 * Parses `args` the way spf13/pflag does for kube-rbac-proxy: `--name=value` and `--name value`;
 * bool flags take no separate argument (`--name`, `--name=false`); shorthands `-v=2`, `-v 2`, `-v2`;
 * `--` ends flags. String slices are read as CSV (quotes allowed) and every repetition appends
 * (`--allow-paths=/a,/b --allow-paths=/c` = three paths; an empty value adds nothing); string arrays
 * append one value per repetition; scalars keep the last value. Integers accept Go's base prefixes
 * (`0x1F`, `0o17`, `017`, `0b1`). Unknown flags and positional arguments throw
 * `TARGET_AUTH_ERR_FLAGS_INVALID` naming the argument.
 */
export function parsePflags(specs: readonly FlagSpec[], args: readonly string[]): ParsedPflags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.shorthand !== undefined).map((s) => [s.shorthand as string, s]));
  const values = new Map<string, FlagValue>();
  const set = (spec: FlagSpec, raw: string, shown: string) => {
    values.set(spec.name, convert(spec, raw, shown, values.get(spec.name)));
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      if (i + 1 < args.length) fail(`unexpected argument ${JSON.stringify(args[i + 1])}: this command takes no positional arguments`);
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byName.get(name);
      if (spec === undefined || name === '') fail(`unknown flag: --${name}`);
      if (eq !== -1) set(spec, arg.slice(eq + 1), `--${name}`);
      else if (spec.kind === 'bool') set(spec, 'true', `--${name}`);
      else if (spec.noOptDefault !== undefined) set(spec, spec.noOptDefault, `--${name}`);
      else if (i + 1 < args.length) set(spec, args[++i] as string, `--${name}`);
      else fail(`flag needs an argument: --${name}`);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // Shorthands: kube-rbac-proxy defines only -v (klog) and -h; combined shorthands are not used.
      const letter = arg[1] as string;
      const spec = byShort.get(letter);
      if (spec === undefined) fail(`unknown shorthand flag: '${letter}' in ${arg}`);
      const rest = arg.slice(2);
      if (rest.startsWith('=')) set(spec, rest.slice(1), `-${letter}`);
      else if (rest !== '') set(spec, rest, `-${letter}`);
      else if (spec.kind === 'bool') set(spec, 'true', `-${letter}`);
      else if (i + 1 < args.length) set(spec, args[++i] as string, `-${letter}`);
      else fail(`flag needs an argument: -${letter}`);
      continue;
    }
    fail(`unexpected argument ${JSON.stringify(arg)}: this command takes no positional arguments`);
  }
  return { values };
}

function convert(spec: FlagSpec, raw: string, shown: string, previous: FlagValue | undefined): FlagValue {
  const bad = (why: string): never => fail(`invalid argument ${JSON.stringify(raw)} for "${shown}" flag: ${why}`);
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'bool':
      try {
        return parseBoolean(raw, shown);
      } catch {
        return bad('not a boolean (true, false, 1, 0, t, f)');
      }
    case 'int': {
      const n = parseGoInt(raw);
      return n === undefined || !Number.isSafeInteger(n) ? bad('not an integer') : n;
    }
    case 'uint32':
    case 'uint64': {
      const n = parseGoInt(raw);
      const max = spec.kind === 'uint32' ? 0xffff_ffff : Number.MAX_SAFE_INTEGER;
      return n === undefined || n < 0 || n > max || raw.trim().startsWith('-') ? bad(`not an unsigned ${spec.kind === 'uint32' ? '32' : '64'}-bit integer`) : n;
    }
    case 'float32': {
      const n = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
      return Number.isFinite(n) ? n : bad('not a number');
    }
    case 'duration':
      try {
        return Number(parseGoDuration(raw)) / 1e6;
      } catch {
        return bad('not a Go duration (e.g. 30s, 1m30s, 250ms)');
      }
    case 'stringSlice': {
      const items = readCsvRecord(raw) ?? bad('not a comma-separated list (unbalanced quotes)');
      return [...((previous as readonly string[] | undefined) ?? []), ...items];
    }
    case 'stringArray':
      return [...((previous as readonly string[] | undefined) ?? []), raw];
  }
}

/** Go's strconv.ParseInt(s, 0, 64) for the values a flag can hold (sign, base prefixes, `_` separators). */
export function parseGoInt(raw: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(raw);
  if (m === null) return undefined;
  const digits = m[2] as string;
  // Go permits underscores only between digits (and after a base prefix).
  if (/__|_$/.test(digits)) return undefined;
  const clean = digits.replace(/_/g, '');
  let n: number;
  if (/^0[xX]/.test(clean)) n = parseInt(clean.slice(2), 16);
  else if (/^0[oO]/.test(clean)) n = parseInt(clean.slice(2), 8);
  else if (/^0[bB]/.test(clean)) n = parseInt(clean.slice(2), 2);
  else if (clean.startsWith('0') && clean.length > 1) n = parseInt(clean.slice(1), 8);
  else n = parseInt(clean, 10);
  if (Number.isNaN(n)) return undefined;
  return m[1] === '-' ? -n : n;
}

/** One record of Go's encoding/csv (what pflag's StringSlice uses): `a,"b,c",d`; `""` -> no items. */
export function readCsvRecord(raw: string): string[] | undefined {
  if (raw === '') return [];
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (raw[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        if (i >= raw.length) return undefined;
        if (raw[i] === '"') {
          if (raw[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += raw[i];
        i++;
      }
      if (i < raw.length && raw[i] !== ',') return undefined;
      out.push(field);
    } else {
      const next = raw.indexOf(',', i);
      const field = next === -1 ? raw.slice(i) : raw.slice(i, next);
      if (field.includes('"')) return undefined;
      out.push(field);
      i = next === -1 ? raw.length : next;
    }
    if (i >= raw.length) return out;
    i++; // the comma
  }
}

function fail(message: string): never {
  throw new TargetAuthError('TARGET_AUTH_ERR_FLAGS_INVALID', message);
}
