import { describe, expect, it } from 'vitest';
import { scrapeCountQueries, windowRange } from './phase-window.js';

const window = { start: new Date('2026-01-01T00:00:00.000Z'), end: new Date('2026-01-01T00:00:12.345Z') };

describe('phase window queries', () => {
  it('cover exactly the window, in milliseconds', () => {
    expect(windowRange(window)).toBe('12345ms');
    expect(windowRange({ start: window.end, end: window.end })).toBe('1ms');
  });

  it('count every `up` sample as one scrape and sum its values as the successes', () => {
    const q = scrapeCountQueries(['token'], ['etcd'], window);
    expect(q.total).toBe('sum (count_over_time(up{path=~"token",target=~"etcd"}[12345ms]))');
    expect(q.ok).toBe('sum (sum_over_time(up{path=~"token",target=~"etcd"}[12345ms]))');
  });

  it('group per job when asked', () => {
    expect(scrapeCountQueries(['cert'], ['etcd'], window, ['target', 'path']).total).toMatch(/^sum by \(target, path\) \(count_over_time/);
  });
});
