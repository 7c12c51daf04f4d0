import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('expires entries after their TTL (injected clock)', () => {
    let now = 1000;
    const c = new TtlCache<string, number>({ now: () => now });
    c.set('a', 1, 100);
    expect(c.get('a')).toBe(1);
    now = 1099;
    expect(c.get('a')).toBe(1);
    now = 1100;
    expect(c.get('a')).toBeUndefined();
  });

  it('evicts the oldest entry when full', () => {
    const c = new TtlCache<string, number>({ maxEntries: 2 });
    c.set('a', 1, 1000);
    c.set('b', 2, 1000);
    c.set('c', 3, 1000);
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([undefined, 2, 3]);
  });

  it('stores nothing for a TTL of 0', () => {
    const c = new TtlCache<string, number>();
    c.set('a', 1, 0);
    expect(c.size).toBe(0);
  });
});
