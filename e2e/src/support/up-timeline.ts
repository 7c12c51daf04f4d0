// The run as Prometheus recorded it: every `up` sample of every job, the phases as time windows,
// and the moments worth marking. The report's counts and the picture are both computed from this
// one value, so they cannot disagree. Pure: no I/O, no clock.
import type { ScrapeCount } from './phase-window.js';

/** One scrape as Prometheus stored it: `[timestamp in ms, up]` (1 = success, 0 = failure). */
export type UpSample = readonly [tMs: number, up: number];

/** Every `up` sample of one job (a target scraped one way), in time order. */
export interface UpSeries {
  /** The job's `target` label (`node-app`, `etcd`, ...). */
  readonly target: string;
  /** The job's `path` label (`cert`, `proxy`, `token`, ...). */
  readonly path: string;
  readonly samples: readonly UpSample[];
}

/** A labelled stretch of the run (baseline, cut, apiserver down, ...), in ms since the epoch. */
export interface TimelinePhase {
  /** Key of the phase in the report (`apiserverDown`); see {@link phaseKey}. */
  readonly key: string;
  /** What the picture writes on the band (`apiserver down`). */
  readonly label: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** A moment marked across every row (the rotation, a serial first presented on a path). */
export interface TimelineMarker {
  readonly atMs: number;
  readonly label: string;
}

/** The whole run: what the report counts and what the picture draws. */
export interface UpTimeline {
  /** The global scrape interval (s); jobs may scrape less often. */
  readonly intervalSeconds: number;
  /** The span drawn, in ms since the epoch; every sample lies inside it. */
  readonly startMs: number;
  readonly endMs: number;
  /** In time order; may overlap nothing (gaps between phases are not labelled). */
  readonly phases: readonly TimelinePhase[];
  readonly markers: readonly TimelineMarker[];
  /** One per job, in display order (targets outer, paths inner). */
  readonly series: readonly UpSeries[];
  /** What a reader needs to read the picture right (shown under it), e.g. why a row is red on purpose. */
  readonly notes?: readonly string[];
}

/** A window in ms since the epoch; both ends belong to it. */
export interface MsWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** `<target>/<path>`, the key the report and the narrator use for a job. */
export function jobKey(s: { readonly target: string; readonly path: string }): string {
  return `${s.target}/${s.path}`;
}

/** The report key of a phase label: `apiserver down` -> `apiserverDown`, `cut` -> `cut`. */
export function phaseKey(label: string): string {
  const words = label.trim().split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : `${w[0]?.toUpperCase() ?? ''}${w.slice(1).toLowerCase()}`)).join('');
}

/**
 * True when a sample taken at `tMs` belongs to `window`. Both ends count, exactly as a PromQL
 * range selector `up[<end - start>ms]` evaluated at `end` selects samples in Prometheus 2.x.
 */
export function inWindow(tMs: number, window: MsWindow): boolean {
  return tMs >= window.startMs && tMs <= window.endMs;
}

/** Scrapes of one series inside `window`: total samples, and how many were up. */
export function countSeries(series: UpSeries, window: MsWindow): ScrapeCount {
  let ok = 0;
  let total = 0;
  for (const [t, up] of series.samples) {
    if (!inWindow(t, window)) continue;
    total += 1;
    if (up === 1) ok += 1;
  }
  return { ok, total };
}

/** Which jobs a count covers; an omitted list means every one in the timeline. */
export interface JobFilter {
  readonly paths?: readonly string[];
  readonly targets?: readonly string[];
}

function selected(series: UpSeries, filter: JobFilter): boolean {
  return (!filter.paths || filter.paths.includes(series.path)) && (!filter.targets || filter.targets.includes(series.target));
}

/** Scrapes of the selected jobs inside `window`, summed. */
export function countScrapesIn(timeline: UpTimeline, window: MsWindow, filter: JobFilter = {}): ScrapeCount {
  let ok = 0;
  let total = 0;
  for (const s of timeline.series) {
    if (!selected(s, filter)) continue;
    const c = countSeries(s, window);
    ok += c.ok;
    total += c.total;
  }
  return { ok, total };
}

/** The same per job (`<target>/<path>`), for every selected job, including those with no sample in the window. */
export function countScrapesByJobIn(timeline: UpTimeline, window: MsWindow, filter: JobFilter = {}): Record<string, ScrapeCount> {
  const out: Record<string, ScrapeCount> = {};
  for (const s of timeline.series) if (selected(s, filter)) out[jobKey(s)] = countSeries(s, window);
  return out;
}

/** The phase with this key, or an error naming the keys there are (a scenario bug, not a run result). */
export function phaseWindow(timeline: UpTimeline, key: string): TimelinePhase {
  const p = timeline.phases.find((x) => x.key === key);
  if (!p) throw new RangeError(`no phase "${key}" in the timeline (have: ${timeline.phases.map((x) => x.key).join(', ')})`);
  return p;
}
