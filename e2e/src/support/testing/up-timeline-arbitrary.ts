// Test support: generated timelines (fast-check) and the report a run would state for them.
import fc from 'fast-check';
import type { E2eReport } from '../report.js';
import { countScrapesByJobIn, countScrapesIn, phaseKey, type TimelinePhase, type UpSample, type UpTimeline } from '../up-timeline.js';

const T0 = Date.UTC(2026, 11, 1, 21, 0, 0);
const PHASE_LABELS = ['baseline', 'cut', 'apiserver down', 'rotation', 'load', 'controller-manager down', 'second <identity> & "more"'];
const TARGETS = ['node-app', 'node-exporter', 'etcd', 'kube-apiserver', 'kube-controller-manager', 'odd <target> & "name"'];
const PATHS = ['cert', 'proxy', 'token', 'cert-2'];

/** Any timeline: 0–7 disjoint phases, 1–10 jobs with 0–120 samples each (any up value 0/1), 0–3 markers. */
export const arbitraryUpTimeline: fc.Arbitrary<UpTimeline> = fc
  .record({
    spanMs: fc.integer({ min: 5_000, max: 900_000 }),
    offset: fc.integer({ min: 0, max: 86_400_000 }),
    interval: fc.constantFrom(1, 2, 5),
    cuts: fc.uniqueArray(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 14 }),
    jobs: fc.uniqueArray(fc.record({ target: fc.constantFrom(...TARGETS), path: fc.constantFrom(...PATHS) }), { minLength: 1, maxLength: 10, selector: (j) => `${j.target}/${j.path}` }),
    samples: fc.array(fc.uniqueArray(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), up: fc.constantFrom(0, 1) }), { maxLength: 120, selector: (s) => s.at }), { minLength: 10, maxLength: 10 }),
    markers: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), label: fc.string({ maxLength: 30 }) }), { maxLength: 3 }),
    notes: fc.array(fc.string({ maxLength: 40 }), { maxLength: 2 }),
  })
  .map(({ spanMs, offset, interval, cuts, jobs, samples, markers, notes }) => {
    const startMs = T0 + offset;
    const at = (f: number): number => startMs + Math.round(f * spanMs);
    const edges = [...new Set(cuts.map(at))].sort((a, b) => a - b);
    const phases: TimelinePhase[] = [];
    for (let i = 0; i + 1 < edges.length && phases.length < PHASE_LABELS.length; i += 2) {
      const label = PHASE_LABELS[phases.length] ?? 'extra';
      phases.push({ key: phaseKey(label), label, startMs: edges[i] ?? startMs, endMs: edges[i + 1] ?? startMs });
    }
    const series = jobs.map((j, i) => {
      const byT = new Map<number, number>();
      for (const s of samples[i] ?? []) byT.set(at(s.at), s.up);
      const ss: UpSample[] = [...byT.entries()].sort((a, b) => a[0] - b[0]);
      return { ...j, samples: ss };
    });
    const drawn = markers.map((m) => ({ atMs: at(m.at), label: m.label })).sort((a, b) => a.atMs - b.atMs);
    return { intervalSeconds: interval, startMs, endMs: startMs + spanMs, phases, markers: drawn, series, ...(notes.length ? { notes } : {}) };
  });

/** The report a scenario would write for `timeline`: headline numbers and every per-target phase count, from the samples. */
export function reportFor(timeline: UpTimeline): E2eReport {
  const targets: Record<string, Record<string, Record<string, { ok: number; total: number }>>> = {};
  for (const p of timeline.phases) {
    for (const [job, c] of Object.entries(countScrapesByJobIn(timeline, p))) {
      const [target = '?', path = '?'] = job.split('/');
      ((targets[target] ??= {})[p.key] ??= {})[path] = c;
    }
  }
  const phase = (key: string): TimelinePhase => timeline.phases.find((p) => p.key === key) ?? { key, label: key, startMs: 0, endMs: -1 };
  const cert = (key: string): { ok: number; total: number } => countScrapesIn(timeline, phase(key), { paths: ['cert', 'proxy'] });
  const rotation = cert('rotation');
  return {
    cut: { cert: cert('cut'), token: countScrapesIn(timeline, phase('cut'), { paths: ['token'] }) },
    apiserverDown: { cert: cert('apiserverDown') },
    rotation: { rotations: 1, failedScrapes: rotation.total - rotation.ok },
    apiserverRequestsPerScrape: { cert: 0, token: 1 },
    targets,
  };
}
