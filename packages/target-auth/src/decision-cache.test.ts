import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecisionCache } from './decision-cache.js';

describe('DecisionCache', () => {
  it('expires an entry exactly at its TTL (injected clock, from time 0)', () => {
    let now = 0;
    const c = new DecisionCache<{ v: number }>({ positiveTtlMs: 100, negativeTtlMs: 10, now: () => now });
    c.set('a', { v: 1 }, true);
    c.set('b', { v: 2 }, false);
    now = 9;
    expect([c.get('a'), c.get('b')]).toEqual([{ v: 1 }, { v: 2 }]);
    now = 10;
    expect([c.get('a'), c.get('b')]).toEqual([{ v: 1 }, undefined]);
    now = 100;
    expect(c.get('a')).toBeUndefined();
  });

  it('stores nothing in a half whose TTL is 0', () => {
    const c = new DecisionCache<{ v: number }>({ positiveTtlMs: 0, negativeTtlMs: 1000 });
    c.set('a', { v: 1 }, true);
    c.set('b', { v: 2 }, false);
    expect([c.get('a'), c.get('b')]).toEqual([undefined, { v: 2 }]);
  });

  it('a new answer for a key replaces the old one in the other half', () => {
    const c = new DecisionCache<{ v: number }>({ positiveTtlMs: 1000, negativeTtlMs: 1000 });
    c.set('a', { v: 1 }, false);
    c.set('a', { v: 2 }, true);
    expect(c.get('a')).toEqual({ v: 2 });
    expect(c.size).toEqual({ positive: 1, negative: 0 });
  });

  it('property: negative answers, however many, never evict a positive one; each half stays within its bound', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 8 }), fc.array(fc.string(), { maxLength: 300 }), (good, bad) => {
        const c = new DecisionCache<{ k: string }>({ positiveTtlMs: 1000, negativeTtlMs: 1000, maxPositive: 8, maxNegative: 4, now: () => 0 });
        for (const k of good) c.set(`+${k}`, { k }, true);
        for (const k of bad) c.set(`-${k}`, { k }, false);
        for (const k of good) expect(c.get(`+${k}`)).toEqual({ k });
        expect(c.size.negative).toBeLessThanOrEqual(4);
        expect(c.size.positive).toBe(good.length);
      }),
    );
  });
});
