import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTargetAuthError } from '../errors.js';
import { parseGoInt, parsePflags, readCsvRecord, type FlagSpec } from './pflag.js';

const SPECS: FlagSpec[] = [
  { name: 'paths', kind: 'stringSlice' },
  { name: 'alg', kind: 'stringArray' },
  { name: 'name', kind: 'string' },
  { name: 'on', kind: 'bool' },
  { name: 'port', kind: 'int' },
  { name: 'streams', kind: 'uint32' },
  { name: 'qps', kind: 'float32' },
  { name: 'every', kind: 'duration' },
  { name: 'v', kind: 'string', shorthand: 'v' },
  { name: 'version', kind: 'string', noOptDefault: 'true' },
];
const parse = (args: string[]) => Object.fromEntries(parsePflags(SPECS, args).values);

describe('parsePflags (spf13/pflag semantics)', () => {
  it.each([
    ['string slices accumulate over repetitions and commas', ['--paths=/a,/b', '--paths', '/c'], { paths: ['/a', '/b', '/c'] }],
    ['an empty slice value adds nothing', ['--paths=/a', '--paths='], { paths: ['/a'] }],
    ['slices are CSV: quotes keep commas', ['--paths="/a,b",/c'], { paths: ['/a,b', '/c'] }],
    ['string arrays take each value whole', ['--alg=RS256,ES256', '--alg=PS256'], { alg: ['RS256,ES256', 'PS256'] }],
    ['scalars keep the last value', ['--name=a', '--name', 'b'], { name: 'b' }],
    ['a bare bool is true and does not consume the next argument', ['--on', '--name=x'], { on: true, name: 'x' }],
    ['bools take Go ParseBool spellings', ['--on=F'], { on: false }],
    ['ints take Go base prefixes', ['--port=0x1F'], { port: 31 }],
    ['a leading zero is octal, as strconv.ParseInt(s, 0, 64)', ['--port=010'], { port: 8 }],
    ['uint32 up to 2^32-1', ['--streams=4294967295'], { streams: 4294967295 }],
    ['float32', ['--qps=2.5'], { qps: 2.5 }],
    ['Go durations in ms', ['--every=1m30s'], { every: 90_000 }],
    ['shorthand with =', ['-v=4'], { v: '4' }],
    ['shorthand with a separate value', ['-v', '4'], { v: '4' }],
    ['shorthand with an attached value', ['-v4'], { v: '4' }],
    ['a bare --version uses its no-value default', ['--version'], { version: 'true' }],
    ['-- ends the flags', ['--name=a', '--'], { name: 'a' }],
  ])('%s', (_n, args, expected) => {
    expect(parse(args)).toEqual(expected);
  });

  it.each([
    ['an unknown flag', ['--nope'], /unknown flag: --nope/],
    ['an unknown shorthand', ['-x'], /unknown shorthand flag: 'x'/],
    ['a positional argument', ['stray'], /no positional arguments/],
    ['an argument after --', ['--', 'stray'], /no positional arguments/],
    ['a missing value', ['--name'], /flag needs an argument: --name/],
    ['a negative uint', ['--streams=-1'], /invalid argument "-1" for "--streams"/],
    ['a uint32 overflow', ['--streams=4294967296'], /invalid argument/],
    ['a bool spelled yes', ['--on=yes'], /invalid argument "yes" for "--on"/],
    ['a duration without unit', ['--every=5'], /invalid argument "5" for "--every"/],
    ['a float that is not one', ['--qps=fast'], /invalid argument/],
  ])('refuses %s', (_n, args, why) => {
    let err: unknown;
    try {
      parse(args);
    } catch (e) {
      err = e;
    }
    expect(isTargetAuthError(err, 'TARGET_AUTH_ERR_FLAGS_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(why);
  });

  it('readCsvRecord round-trips any list of fields written as Go csv.Writer writes them', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', '/', ',', '"', ' ', '*') }), { minLength: 1, maxLength: 5 }), (fields) => {
        // csv.Writer quotes a field that has a comma, quote, leading space or is empty-with-others.
        const line = fields.map((f) => (/[",]|^ /.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f)).join(',');
        expect(readCsvRecord(line)).toEqual(line === '' ? [] : fields);
      }),
    );
  });

  it.each([
    ['1_000', 1000],
    ['0b101', 5],
    ['0o17', 15],
    ['-0x10', -16],
    ['1__0', undefined],
    ['1_', undefined],
    ['09', undefined],
    ['', undefined],
  ])('parseGoInt(%j) = %j', (text, n) => {
    expect(parseGoInt(text)).toBe(n);
  });
});
