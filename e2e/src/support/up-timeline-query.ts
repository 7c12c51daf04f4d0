// Reads the run's UpTimeline from Prometheus (the thin I/O shell around up-timeline.ts), and the
// Prometheus UI links that show the same series.
import { countScrapes } from './phase-window.js';
import type { PrometheusServer, PromSeries } from './prometheus-server.js';
import type { ScrapePath, TargetName } from './scrape-matrix.js';
import { countScrapesIn, jobKey, phaseWindow, type MsWindow, type TimelineMarker, type TimelinePhase, type UpSeries, type UpTimeline } from './up-timeline.js';

/** Range selector length covering `window` exactly, in ms (at least 1 ms). */
function rangeOf(window: MsWindow): string {
  return `${Math.max(1, Math.ceil(window.endMs - window.startMs))}ms`;
}

/**
 * The query for every raw `up` sample of every job inside `window`, evaluated at `window.endMs`:
 * a range-vector selector, so each sample is one scrape. (query_range would re-sample at its step
 * and repeat or skip scrapes of jobs whose interval differs from it.) Pure.
 */
export function upSamplesQuery(window: MsWindow): string {
  return `up[${rangeOf(window)}]`;
}

/** Series in display order: `order` (job keys) first, any other job after them, sorted. Pure. */
export function toUpSeries(result: readonly PromSeries[], window: MsWindow, order: readonly string[] = []): UpSeries[] {
  const series = result
    .map((r) => ({
      target: r.metric.target ?? r.metric.job ?? '?',
      path: r.metric.path ?? '?',
      samples: r.samples.filter(([t]) => t >= window.startMs && t <= window.endMs).sort((a, b) => a[0] - b[0]),
    }))
    .filter((s) => s.samples.length > 0);
  const rank = (s: UpSeries): number => {
    const i = order.indexOf(jobKey(s));
    return i === -1 ? order.length : i;
  };
  return series.sort((a, b) => rank(a) - rank(b) || jobKey(a).localeCompare(jobKey(b)));
}

/** What {@link readUpTimeline} needs besides Prometheus. */
export interface UpTimelineRequest {
  /** The span to read: from Prometheus's start to the end of the last phase. */
  readonly window: MsWindow;
  readonly intervalSeconds: number;
  readonly phases: readonly TimelinePhase[];
  readonly markers?: readonly TimelineMarker[];
  /** Job keys (`<target>/<path>`) in display order; jobs not listed follow, sorted. */
  readonly order?: readonly string[];
  readonly notes?: readonly string[];
}

/** Reads every `up` sample of the run from Prometheus, in one query, into an {@link UpTimeline}. */
export async function readUpTimeline(prometheus: PrometheusServer, request: UpTimelineRequest): Promise<UpTimeline> {
  const result = await prometheus.samples(upSamplesQuery(request.window), new Date(request.window.endMs));
  return {
    intervalSeconds: request.intervalSeconds,
    startMs: request.window.startMs,
    endMs: request.window.endMs,
    phases: [...request.phases].sort((a, b) => a.startMs - b.startMs),
    markers: [...(request.markers ?? [])].sort((a, b) => a.atMs - b.atMs),
    series: toUpSeries(result, request.window, request.order),
    ...(request.notes?.length ? { notes: [...request.notes] } : {}),
  };
}

/**
 * The moments each certificate serial was first presented on each path, from a target's own
 * `certscrape_e2e_client_cert_info{via, serial}` series (the Node target reports what every
 * request presented). The first serial of each path is the starting state, not a change, so it is
 * left out. Pure.
 */
export function serialChangeMarkers(result: readonly PromSeries[], target: string): TimelineMarker[] {
  const first = new Map<string, { serial: string; atMs: number }[]>();
  for (const r of result) {
    const via = r.metric.via ?? '?';
    const serial = r.metric.serial ?? '?';
    const at = r.samples[0]?.[0];
    if (at === undefined) continue;
    (first.get(via) ?? first.set(via, []).get(via) ?? []).push({ serial, atMs: at });
  }
  const markers: TimelineMarker[] = [];
  for (const [via, seen] of first) {
    seen.sort((a, b) => a.atMs - b.atMs);
    for (const s of seen.slice(1)) markers.push({ atMs: s.atMs, label: `${target} ${via}: serial ${s.serial.slice(0, 8)}.. first presented` });
  }
  return markers.sort((a, b) => a.atMs - b.atMs);
}

/** Reads {@link serialChangeMarkers} for `window` from Prometheus. */
export async function readSerialChangeMarkers(prometheus: PrometheusServer, window: MsWindow, target = 'node-app'): Promise<TimelineMarker[]> {
  const result = await prometheus.samples(`certscrape_e2e_client_cert_info{target="${target}"}[${rangeOf(window)}]`, new Date(window.endMs));
  return serialChangeMarkers(result, target);
}

/**
 * A Prometheus UI address (graph tab) showing `up` of every job, one panel per path, over exactly
 * the run: the same series the picture draws. Pure.
 */
export function prometheusGraphUrl(baseUrl: string, timeline: UpTimeline): string {
  const paths = [...new Set(timeline.series.map((s) => s.path))];
  // The graph page (Debian's 2.42 ships the classic UI) takes the end as 'YYYY-MM-DD HH:mm' UTC:
  // round it up to the minute, and the range up to whole minutes from there.
  const endMs = Math.ceil(timeline.endMs / 60_000) * 60_000;
  const minutes = Math.max(1, Math.ceil((endMs - timeline.startMs) / 60_000));
  const end = new Date(endMs).toISOString().slice(0, 16).replace('T', ' ');
  const params = new URLSearchParams();
  paths.forEach((path, i) => {
    params.set(`g${i}.expr`, `up{path="${path}"}`);
    params.set(`g${i}.tab`, '0');
    params.set(`g${i}.stacked`, '0');
    params.set(`g${i}.range_input`, `${minutes}m`);
    params.set(`g${i}.end_input`, end);
  });
  return `${baseUrl.replace(/\/$/, '')}/graph?${params}`;
}

/** One count the report states: the scrapes of `paths` on `targets` during phase `phase`. */
export interface CountCheck {
  readonly phase: string;
  readonly paths: readonly ScrapePath[];
  readonly targets: readonly TargetName[];
}

/**
 * Asks Prometheus to count each check itself (count_over_time / sum_over_time of `up` over the
 * phase's window) and returns every count where it disagrees with the timeline: empty when the
 * picture, the report and Prometheus all say the same.
 */
export async function countDisagreements(prometheus: PrometheusServer, timeline: UpTimeline, checks: readonly CountCheck[]): Promise<string[]> {
  const out: string[] = [];
  for (const c of checks) {
    const p = phaseWindow(timeline, c.phase);
    const ours = countScrapesIn(timeline, p, { paths: c.paths, targets: c.targets });
    const theirs = await countScrapes(prometheus, c.paths, c.targets, { start: new Date(p.startMs), end: new Date(p.endMs) });
    if (ours.ok !== theirs.ok || ours.total !== theirs.total) {
      out.push(`${c.phase} ${c.paths.join('+')} on ${c.targets.join(', ')}: samples ${ours.ok}/${ours.total}, Prometheus ${theirs.ok}/${theirs.total}`);
    }
  }
  return out;
}
