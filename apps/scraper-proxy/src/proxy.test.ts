import { describe, expect, it } from 'vitest';
import { scrapeTimeoutMs } from './proxy.js';

describe('scrapeTimeoutMs', () => {
  it('uses the scraper timeout when it is smaller than the cap', () => expect(scrapeTimeoutMs('9.5', 30_000)).toBe(9500));
  it('keeps the cap when the scraper asks for more', () => expect(scrapeTimeoutMs('60', 30_000)).toBe(30_000));
  it('ignores a missing or malformed header', () => {
    expect(scrapeTimeoutMs(undefined, 30_000)).toBe(30_000);
    expect(scrapeTimeoutMs('soon', 30_000)).toBe(30_000);
    expect(scrapeTimeoutMs('0', 30_000)).toBe(30_000);
  });
});
