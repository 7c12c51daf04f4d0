import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitraryUpTimeline } from './testing/up-timeline-arbitrary.js';
import { countScrapesByJobIn, countScrapesIn, countSeries, inWindow, jobKey, phaseKey, phaseWindow, type UpSeries, type UpTimeline } from './up-timeline.js';

const series = (samples: [number, number][]): UpSeries => ({ target: 'etcd', path: 'token', samples });

describe('phase keys', () => {
  it.each([
    ['cut', 'cut'],
    ['apiserver down', 'apiserverDown'],
    ['baseline', 'baseline'],
    ['kube-controller-manager down', 'kubeControllerManagerDown'],
    ['  Second identity ', 'secondIdentity'],
  ])('"%s" is reported as %s', (label, key) => {
    expect(phaseKey(label)).toBe(key);
  });
});

describe('counting scrapes in a window', () => {
  it('counts a sample on either edge of the window, as a PromQL range selector does', () => {
    const s = series([[999, 1], [1000, 1], [1500, 0], [2000, 1], [2001, 1]]);
    expect(countSeries(s, { startMs: 1000, endMs: 2000 })).toEqual({ ok: 2, total: 3 });
    expect(inWindow(1000, { startMs: 1000, endMs: 1000 })).toBe(true);
  });

  it('counts nothing in an empty window', () => {
    expect(countSeries(series([[5, 1]]), { startMs: 10, endMs: 9 })).toEqual({ ok: 0, total: 0 });
  });

  it('equals the brute-force count over every selected sample, for any timeline and window', () => {
    fc.assert(
      fc.property(arbitraryUpTimeline, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom<string[] | undefined>(['cert'], ['token', 'proxy'], undefined), (t, a, b, paths) => {
        const span = t.endMs - t.startMs;
        const w = { startMs: t.startMs + Math.round(Math.min(a, b) * span), endMs: t.startMs + Math.round(Math.max(a, b) * span) };
        const picked = t.series.filter((s) => !paths || paths.includes(s.path)).flatMap((s) => s.samples.filter(([ts]) => ts >= w.startMs && ts <= w.endMs));
        expect(countScrapesIn(t, w, paths ? { paths } : {})).toEqual({ ok: picked.filter(([, up]) => up === 1).length, total: picked.length });
      }),
    );
  });

  it('per job, sums to the total and lists every selected job', () => {
    fc.assert(
      fc.property(arbitraryUpTimeline, (t: UpTimeline) => {
        const w = { startMs: t.startMs, endMs: t.endMs };
        const byJob = countScrapesByJobIn(t, w);
        expect(Object.keys(byJob).sort()).toEqual(t.series.map(jobKey).sort());
        const sum = Object.values(byJob).reduce((acc, c) => ({ ok: acc.ok + c.ok, total: acc.total + c.total }), { ok: 0, total: 0 });
        expect(sum).toEqual(countScrapesIn(t, w));
        expect(sum.total).toBe(t.series.reduce((n, s) => n + s.samples.length, 0));
      }),
    );
  });

  it('names the phases there are when asked for one that is not', () => {
    const t: UpTimeline = { intervalSeconds: 2, startMs: 0, endMs: 10, phases: [{ key: 'cut', label: 'cut', startMs: 1, endMs: 2 }], markers: [], series: [] };
    expect(phaseWindow(t, 'cut').endMs).toBe(2);
    expect(() => phaseWindow(t, 'rotation')).toThrow(/no phase "rotation".*have: cut/);
  });
});
