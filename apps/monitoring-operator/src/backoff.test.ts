import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff.js';

describe('backoffDelayMs', () => {
  it('starts at the initial delay when the jitter draw is centred', () => {
    expect(backoffDelayMs(1, () => 0.5)).toBe(1000);
  });
  it('doubles per consecutive failure', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, () => 0.5))).toEqual([1000, 2000, 4000, 8000]);
  });
  it('never exceeds the cap plus jitter', () => {
    expect(backoffDelayMs(50, () => 0.999999)).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxMs * 1.2);
    expect(backoffDelayMs(50, () => 0.5)).toBe(DEFAULT_BACKOFF.maxMs);
  });
  it('keeps consecutive delays growing whatever the jitter draws, until the cap', () => {
    for (let n = 1; n < 8; n++) {
      expect(backoffDelayMs(n + 1, () => 0)).toBeGreaterThan(backoffDelayMs(n, () => 0.999999));
    }
  });
  it('applies jitter within [0.8, 1.2) of the raw delay', () => {
    expect(backoffDelayMs(3, () => 0)).toBe(3200);
    expect(backoffDelayMs(3, () => 0.999999)).toBeLessThanOrEqual(4800);
  });
  it('treats zero or negative failures as the first failure', () => {
    expect(backoffDelayMs(0, () => 0.5)).toBe(1000);
  });
});
