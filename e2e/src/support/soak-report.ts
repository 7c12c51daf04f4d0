// The soak's figures and verdicts (issue 18): counting, growth verdicts and the report shape. Pure.
import type { ScrapeCount } from './phase-window.js';

/** One reading of a process from /proc. */
export interface ProcSample {
  readonly atMs: number;
  readonly pid: number;
  /** VmRSS in KiB. */
  readonly rssKiB: number;
  /** Entries of /proc/<pid>/fd. */
  readonly fds: number;
}

/** How much growth counts as noise: the larger of an absolute and a relative allowance. */
export interface GrowthNoise {
  readonly rssMiB: number;
  readonly rssFraction: number;
  readonly fds: number;
  readonly fdsFraction: number;
}

/**
 * Default noise: RSS may move by 24 MiB or 25 % (V8's heap grows and shrinks with GC, Go's with
 * its scavenger), open fds by 8 or 20 % (keep-alive connections to targets come and go).
 */
export const DEFAULT_NOISE: GrowthNoise = Object.freeze({ rssMiB: 24, rssFraction: 0.25, fds: 8, fdsFraction: 0.2 });

/** How many samples at each end are combined (median) into the start and end figures. */
export const END_SAMPLES = 3;

/** A process's verdict: no growth beyond noise, growth, or restarted (a new process: not comparable). */
export type GrowthVerdict = 'stable' | 'grows' | 'restarted';

/** The figures of one long-lived process, as `soak.json` reports them. */
export interface ProcessFigures {
  readonly rssStartMiB: number;
  readonly rssEndMiB: number;
  readonly fdsStart: number;
  readonly fdsEnd: number;
  /** Peak RSS after warm-up. */
  readonly rssMaxMiB: number;
  readonly samples: number;
  /** Distinct pids seen after warm-up minus one (the fault schedule restarts kube-apiserver). */
  readonly restarts: number;
  readonly verdict: GrowthVerdict;
  readonly reason: string;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? 0 : s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const round1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * Start and end figures of a process from its samples taken after warm-up (in time order): the
 * median of the first and of the last {@link END_SAMPLES} readings, and the verdict. A process
 * whose pid changed is `restarted` (its end belongs to another process); otherwise it `grows` when
 * RSS or fds rose by more than the noise allowance of {@link GrowthNoise}.
 */
export function processFigures(samples: readonly ProcSample[], noise: GrowthNoise = DEFAULT_NOISE): ProcessFigures {
  if (samples.length === 0) return { rssStartMiB: 0, rssEndMiB: 0, fdsStart: 0, fdsEnd: 0, rssMaxMiB: 0, samples: 0, restarts: 0, verdict: 'restarted', reason: 'no sample after warm-up' };
  const k = Math.min(END_SAMPLES, Math.ceil(samples.length / 2));
  const first = samples.slice(0, k);
  const last = samples.slice(-k);
  const rssStartMiB = round1(median(first.map((s) => s.rssKiB)) / 1024);
  const rssEndMiB = round1(median(last.map((s) => s.rssKiB)) / 1024);
  const fdsStart = Math.round(median(first.map((s) => s.fds)));
  const fdsEnd = Math.round(median(last.map((s) => s.fds)));
  const rssMaxMiB = round1(Math.max(...samples.map((s) => s.rssKiB)) / 1024);
  const restarts = new Set(samples.map((s) => s.pid)).size - 1;
  const base = { rssStartMiB, rssEndMiB, fdsStart, fdsEnd, rssMaxMiB, samples: samples.length, restarts };
  if (restarts > 0) return { ...base, verdict: 'restarted', reason: `restarted ${restarts} time(s) by the fault schedule: start and end are different processes` };
  const rssAllowed = Math.max(noise.rssMiB, rssStartMiB * noise.rssFraction);
  const fdsAllowed = Math.max(noise.fds, fdsStart * noise.fdsFraction);
  const over: string[] = [];
  if (rssEndMiB - rssStartMiB > rssAllowed) over.push(`RSS +${round1(rssEndMiB - rssStartMiB)} MiB > ${round1(rssAllowed)} MiB`);
  if (fdsEnd - fdsStart > fdsAllowed) over.push(`fds +${fdsEnd - fdsStart} > ${round1(fdsAllowed)}`);
  if (over.length) return { ...base, verdict: 'grows', reason: over.join('; ') };
  return { ...base, verdict: 'stable', reason: `RSS ${signed(round1(rssEndMiB - rssStartMiB))} MiB (noise ${round1(rssAllowed)}), fds ${signed(fdsEnd - fdsStart)} (noise ${round1(fdsAllowed)})` };
}

const signed = (x: number): string => (x >= 0 ? `+${x}` : `${x}`);

/** `count` per hour over `durationS` seconds, rounded to a whole number (0 for an empty window). */
export function perHour(count: number, durationS: number): number {
  return durationS <= 0 ? 0 : Math.round((count * 3600) / durationS);
}

/** Sums per-job scrape counts. */
export function sumCounts(counts: Iterable<ScrapeCount>): ScrapeCount {
  let ok = 0;
  let total = 0;
  for (const c of counts) {
    ok += c.ok;
    total += c.total;
  }
  return { ok, total };
}

/** One fault of the schedule. */
export type SoakFault = 'apiserver-stop' | 'controller-manager-restart' | 'route-cut';

/** The faults, in the order the schedule cycles through them. */
export const SOAK_FAULTS: readonly SoakFault[] = ['apiserver-stop', 'controller-manager-restart', 'route-cut'];

/** A fault at `atS` seconds after the measured run's start (after warm-up). */
export interface ScheduledFault {
  readonly atS: number;
  readonly fault: SoakFault;
}

/**
 * The fault schedule: one fault every `everyS` seconds from `everyS` on, cycling through
 * {@link SOAK_FAULTS}, leaving the last `everyS` seconds of the run quiet so the end figures are
 * taken after the last recovery. Pure.
 */
export function faultSchedule(durationS: number, everyS: number): ScheduledFault[] {
  const out: ScheduledFault[] = [];
  if (!(everyS > 0)) return out;
  for (let at = everyS, i = 0; at <= durationS - everyS; at += everyS, i++) out.push({ atS: at, fault: SOAK_FAULTS[i % SOAK_FAULTS.length] ?? 'apiserver-stop' });
  return out;
}

/** A fault as it happened. */
export interface FaultRecord {
  readonly fault: SoakFault;
  readonly at: string;
  /** From the fault's start until the component was back (the route restored, kube-apiserver ready). */
  readonly seconds: number;
}

/** Load average (1, 5, 15 min) at one moment. */
export interface LoadAverageAt {
  readonly at: string;
  readonly loadavg: readonly [number, number, number];
}

/** Processes judged against the goal: certscrape's own. Prometheus and kube-apiserver are reported beside them. */
export const CERTSCRAPE_PROCESSES: readonly string[] = ['csr-approver', 'monitoring-operator', 'node-app', 'node-exporter-sidecar', 'etcd-sidecar', 'scraper-proxy'];

/** e2e/results/soak.json: the issue's shape first, then the detail it was computed from. */
export interface SoakReport {
  readonly durationS: number;
  readonly certScrapes: ScrapeCount;
  readonly processes: Readonly<Record<string, ProcessFigures>>;
  readonly apiserverRequestsPerHour: number;
  readonly detail: {
    readonly startedAt: string;
    readonly endedAt: string;
    readonly warmupS: number;
    readonly intervalSeconds: number;
    readonly signingDurationSeconds: number;
    /** Per Prometheus job (`<target>/<path>`). */
    readonly certScrapesByJob: Readonly<Record<string, ScrapeCount>>;
    /** Failed scrapes whose scrape_duration_seconds reached the timeout (the machine was too slow to answer in time). */
    readonly failedByTimeout: number;
    /** The client loop's scrapes (client certificate, direct), per target. */
    readonly load: { readonly byTarget: Readonly<Record<string, ScrapeCount>>; readonly errors: readonly string[] };
    /** Distinct certificates the Secret held during the run (rotations = this minus one). */
    readonly certificates: number;
    readonly faults: readonly FaultRecord[];
    /** kube-apiserver's requests by certscrape's identities: how they were counted, and the count. */
    readonly apiserverRequests: { readonly count: number; readonly readings: number; readonly method: string };
    readonly loadAverage: readonly LoadAverageAt[];
  };
}

/** One goal of the soak and whether the report meets it. */
export interface SoakGoal {
  readonly goal: string;
  readonly holds: boolean;
  readonly evidence: string;
}

/** The soak's goals (issue 18): no failed certificate scrape (Prometheus and the client loop), rotations happened, certscrape's processes do not grow. Pure. */
export function soakGoals(r: SoakReport): SoakGoal[] {
  const load = sumCounts(Object.values(r.detail.load.byTarget));
  const judged = CERTSCRAPE_PROCESSES.map((name) => [name, r.processes[name]] as const);
  const bad = judged.filter(([, p]) => !p || p.verdict !== 'stable');
  return [
    { goal: 'every certificate scrape by Prometheus succeeded', holds: r.certScrapes.total > 0 && r.certScrapes.ok === r.certScrapes.total, evidence: `${r.certScrapes.ok}/${r.certScrapes.total}` },
    { goal: 'every scrape of the client loop succeeded', holds: load.total > 0 && load.ok === load.total, evidence: `${load.ok}/${load.total}` },
    { goal: 'the certificate rotated during the run', holds: r.detail.certificates >= 2, evidence: `${r.detail.certificates} certificates` },
    { goal: 'the fault schedule ran', holds: r.detail.faults.length > 0, evidence: r.detail.faults.map((f) => f.fault).join(', ') || 'none' },
    {
      goal: "certscrape's processes: no growth beyond noise after warm-up",
      holds: bad.length === 0,
      evidence: judged.map(([n, p]) => `${n}: ${p ? `${p.verdict} (${p.reason})` : 'not sampled'}`).join('; '),
    },
  ];
}
