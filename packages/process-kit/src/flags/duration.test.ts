import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseDurationFlag, parseGoDuration } from './duration.js';

// Cases chosen after reading Go's own time.ParseDuration tests (format_test.go): the grammar's
// corners — signs, bare zero, fractions with and without leading digits, every unit, both micro
// signs, the int64 bounds and overflow — not copied from there. Go itself checks us in
// duration.go-oracle.int.test.ts.
describe('parseGoDuration (Go time.ParseDuration)', () => {
  it.each([
    ['0', 0n],
    ['+0', 0n],
    ['-0', 0n],
    ['5s', 5_000_000_000n],
    ['30s', 30_000_000_000n],
    ['1478s', 1_478_000_000_000n],
    ['-5s', -5_000_000_000n],
    ['+5s', 5_000_000_000n],
    ['-0s', 0n],
    ['5.0s', 5_000_000_000n],
    ['5.6s', 5_600_000_000n],
    ['5.s', 5_000_000_000n],
    ['.5s', 500_000_000n],
    ['1.004s', 1_004_000_000n],
    ['100.00100s', 100_001_000_000n],
    ['10ns', 10n],
    ['11us', 11_000n],
    ['12\u00b5s', 12_000n],
    ['12\u03bcs', 12_000n],
    ['13ms', 13_000_000n],
    ['15m', 900_000_000_000n],
    ['16h', 57_600_000_000_000n],
    ['3h30m', 12_600_000_000_000n],
    ['10.5s4m', 250_500_000_000n],
    ['-2m3.4s', -123_400_000_000n],
    ['1h2m3s4ms5us6ns', 3_723_004_005_006n],
    ['39h9m14.425s', 140_954_425_000_000n],
    ['52763797000ns', 52_763_797_000n],
    ['0.3333333333333333333h', 1_200_000_000_000n],
    ['9007199254740993ns', 9_007_199_254_740_993n],
    ['9223372036854775807ns', 9_223_372_036_854_775_807n],
    ['9223372036854775.807us', 9_223_372_036_854_775_807n],
    ['-9223372036854775808ns', -9_223_372_036_854_775_808n],
    ['0.100000000000000000000h', 360_000_000_000n],
    ['0.830103483285477580700h', 2_988_372_539_827n],
  ])('%j is %d ns', (text, ns) => expect(parseGoDuration(text)).toBe(ns));

  it.each(['', '3', '-', 's', '.', '-.', '.s', '+.s', '1d', '1e3s', ' 1s', '1s ', '1 s', '3000000h', '9223372036854775808ns', '9223372036854775.808us', '-9223372036854775809ns'])(
    'refuses %j with PROCESS_KIT_ERR_DURATION',
    (text) => expect(() => parseGoDuration(text)).toThrow(expect.objectContaining({ code: 'PROCESS_KIT_ERR_DURATION' })),
  );
});

describe('parseDurationFlag', () => {
  it('returns milliseconds and enforces the minimum', () => {
    expect(parseDurationFlag('1.5ms')).toBe(1.5);
    expect(parseDurationFlag('2m')).toBe(120_000);
    expect(() => parseDurationFlag('-1s')).toThrow(expect.objectContaining({ code: 'PROCESS_KIT_ERR_DURATION' }));
    expect(() => parseDurationFlag('5ms', { minMs: 10, flag: '--poll' })).toThrow(/--poll/);
  });
  it('reads a bare whole number as seconds only when asked (older flags)', () => {
    expect(parseDurationFlag('600', { bareSeconds: true })).toBe(600_000);
    expect(() => parseDurationFlag('600')).toThrow(expect.objectContaining({ code: 'PROCESS_KIT_ERR_DURATION' }));
    expect(() => parseDurationFlag('1.5', { bareSeconds: true })).toThrow(expect.objectContaining({ code: 'PROCESS_KIT_ERR_DURATION' }));
  });
  it('formats whole seconds as Go prints them, and the result parses back', () => {
    for (const [s, text] of [[0, '0s'], [45, '45s'], [600, '10m0s'], [3600, '1h0m0s'], [5461, '1h31m1s']] as const) {
      expect(formatGoDuration(s)).toBe(text);
      expect(parseGoDuration(text)).toBe(BigInt(s) * 1_000_000_000n);
    }
  });
});
