import type { PrometheusServer } from './prometheus-server.js';
import { selector, type ScrapePath, type TargetName } from './scrape-matrix.js';

/** A stretch of wall-clock time in which one condition held (the cut, the outage, ...). */
export interface PhaseWindow {
  readonly start: Date;
  readonly end: Date;
}

/** Successful and total scrapes, as Prometheus recorded them in `up`. */
export interface ScrapeCount {
  readonly ok: number;
  readonly total: number;
}

/** PromQL range selector length covering exactly the window, in ms (at least 1 ms). */
export function windowRange(window: PhaseWindow): string {
  return `${Math.max(1, window.end.getTime() - window.start.getTime())}ms`;
}

/**
 * The two queries that count a window's scrapes from Prometheus's own `up` series, evaluated at
 * the window's end: every sample is one scrape (1 = success, 0 = failure). Pure.
 */
export function scrapeCountQueries(paths: readonly ScrapePath[], targets: readonly TargetName[], window: PhaseWindow, by: readonly string[] = []): { ok: string; total: string } {
  const range = `up${selector(paths, targets)}[${windowRange(window)}]`;
  const grouping = by.length ? ` by (${by.join(', ')})` : '';
  return { ok: `sum${grouping} (sum_over_time(${range}))`, total: `sum${grouping} (count_over_time(${range}))` };
}

/**
 * Counts the scrapes of `paths` on `targets` that Prometheus recorded inside `window`, by Prometheus's
 * own evaluation: the scenario counts from the raw samples (up-timeline.ts) and checks it agrees.
 */
export async function countScrapes(prometheus: PrometheusServer, paths: readonly ScrapePath[], targets: readonly TargetName[], window: PhaseWindow): Promise<ScrapeCount> {
  const q = scrapeCountQueries(paths, targets, window);
  return { ok: await prometheus.scalar(q.ok, window.end), total: await prometheus.scalar(q.total, window.end) };
}
