import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from the initial delay without jitter', () => {
    const d = (n: number) => backoffDelay(n, { initialMs: 100, maxMs: 10_000, jitter: 0 });
    expect([1, 2, 3, 4].map(d)).toEqual([100, 200, 400, 800]);
  });
  it('never exceeds the cap, jitter included', () => {
    for (let n = 1; n < 80; n++) {
      expect(backoffDelay(n, { initialMs: 500, maxMs: 30_000, jitter: 0.5 }, () => 0.999)).toBeLessThanOrEqual(30_000);
    }
    expect(backoffDelay(1000, { maxMs: 30_000, jitter: 0 })).toBe(30_000);
  });
  it('spreads the delay by the jitter fraction', () => {
    expect(backoffDelay(1, { initialMs: 1000, jitter: 0.2 }, () => 0)).toBe(800);
    expect(backoffDelay(1, { initialMs: 1000, jitter: 0.2 }, () => 1)).toBe(1200);
  });
  it('with factor 2 and jitter 0.2, consecutive delays grow whatever the jitter draws, until the cap', () => {
    const policy = { initialMs: 1000, factor: 2, maxMs: 5 * 60_000, jitter: 0.2 };
    for (let n = 1; n < 8; n++) {
      expect(backoffDelay(n + 1, policy, () => 0)).toBeGreaterThan(backoffDelay(n, policy, () => 0.999999));
    }
  });
  it('treats zero or negative attempts as the first', () => {
    expect(backoffDelay(0, { initialMs: 1000, jitter: 0 })).toBe(1000);
    expect(backoffDelay(-3, { initialMs: 1000, jitter: 0 })).toBe(1000);
  });
  it('Backoff counts failures and resets', () => {
    const b = new Backoff({ initialMs: 10, jitter: 0 });
    expect([b.next(), b.next(), b.next()]).toEqual([10, 20, 40]);
    expect(b.failures).toBe(3);
    b.reset();
    expect(b.next()).toBe(10);
  });
});
