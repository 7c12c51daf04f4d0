import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseDurationSeconds } from './duration.js';
import { isLocalClusterError } from './errors.js';

describe('parseDurationSeconds', () => {
  it.each([
    ['10m', 600],
    ['1h', 3600],
    ['1h30m', 5400],
    ['90s', 90],
    ['1h0m0s', 3600],
    ['600', 600],
    ['1.5h', 5400],
    [' 5m ', 300],
  ])('reads %j as %d seconds', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each(['', 'm', '10x', '-5m', '0', '0s', '1.5s', '10 m', '1d'])('refuses %j with LOCAL_CLUSTER_ERR_DURATION', (text) => {
    try {
      parseDurationSeconds(text);
      expect.unreachable();
    } catch (e) {
      expect(isLocalClusterError(e, 'LOCAL_CLUSTER_ERR_DURATION')).toBe(true);
    }
  });
});

describe('formatGoDuration', () => {
  it.each([
    [600, '10m0s'],
    [3600, '1h0m0s'],
    [5461, '1h31m1s'],
    [45, '45s'],
  ])('formats %d as %s', (seconds, text) => {
    expect(formatGoDuration(seconds)).toBe(text);
  });

  it('round-trips through parseDurationSeconds', () => {
    for (const s of [1, 59, 60, 61, 3599, 3600, 86400, 90061]) expect(parseDurationSeconds(formatGoDuration(s))).toBe(s);
  });

  it('refuses zero and fractions', () => {
    expect(() => formatGoDuration(0)).toThrow(expect.objectContaining({ code: 'LOCAL_CLUSTER_ERR_DURATION' }));
    expect(() => formatGoDuration(1.5)).toThrow(expect.objectContaining({ code: 'LOCAL_CLUSTER_ERR_DURATION' }));
  });
});
