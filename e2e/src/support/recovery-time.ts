// How long scraping took to recover after a disruption, from Prometheus's own `up` samples. Pure.
import type { UpSeries } from './up-timeline.js';

/** What {@link recoveryAfter} found. */
export interface Recovery {
  /** Failed samples (up = 0) at or after `fromMs`, over every series. */
  readonly failed: number;
  /**
   * Seconds from `fromMs` to the first successful scrape after the last failed one, the latest over
   * every series (0 when nothing failed; undefined when some series never succeeded again).
   */
  readonly seconds: number | undefined;
}

/** Failed scrapes after `fromMs` and the seconds until every series was succeeding again. */
export function recoveryAfter(series: readonly UpSeries[], fromMs: number): Recovery {
  let failed = 0;
  let latestMs = fromMs;
  for (const s of series) {
    const after = s.samples.filter(([t]) => t >= fromMs);
    const lastFailed = after.reduce((at, [, up], i) => (up === 0 ? i : at), -1);
    if (lastFailed < 0) continue;
    failed += after.filter(([, up]) => up === 0).length;
    const back = after.slice(lastFailed + 1).find(([, up]) => up === 1);
    if (!back) return { failed: failed + countRest(series, s, fromMs), seconds: undefined };
    latestMs = Math.max(latestMs, back[0]);
  }
  return { failed, seconds: failed === 0 ? 0 : Math.round((latestMs - fromMs) / 100) / 10 };
}

/** Failed samples of the series after `current` (so an early return still counts every failure). */
function countRest(series: readonly UpSeries[], current: UpSeries, fromMs: number): number {
  return series.slice(series.indexOf(current) + 1).reduce((n, s) => n + s.samples.filter(([t, up]) => t >= fromMs && up === 0).length, 0);
}
