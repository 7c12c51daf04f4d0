import { describe, expect, it } from 'vitest';
import { CERTSCRAPE_PROCESSES, DEFAULT_NOISE, faultSchedule, perHour, processFigures, soakGoals, sumCounts, type ProcSample, type ProcessFigures, type SoakReport } from './soak-report.js';

const MiB = 1024;
const series = (pid: number, rssMiB: readonly number[], fds: readonly number[]): ProcSample[] => rssMiB.map((r, i) => ({ atMs: i * 15_000, pid, rssKiB: r * MiB, fds: fds[i] ?? fds.at(-1) ?? 0 }));

describe('processFigures', () => {
  it('takes the median of the first and of the last three samples as start and end', () => {
    const f = processFigures(series(7, [100, 90, 110, 200, 120, 80, 130], [20, 21, 19, 50, 22, 23, 21]));
    expect(f).toMatchObject({ rssStartMiB: 100, rssEndMiB: 120, fdsStart: 20, fdsEnd: 22, rssMaxMiB: 200, samples: 7, restarts: 0, verdict: 'stable' });
  });

  it('if RSS rises by more than the noise allowance (24 MiB or 25 %), the process grows', () => {
    const f = processFigures(series(7, [100, 100, 100, 140, 140, 140], [20]));
    expect(f.verdict).toBe('grows');
    expect(f.reason).toMatch(/^RSS \+40 MiB > 25 MiB$/);
  });

  it('if RSS rises by less than the absolute allowance of a small process, it is stable', () => {
    expect(processFigures(series(7, [40, 40, 40, 60, 60, 60], [10])).verdict).toBe('stable');
  });

  it('if open fds rise beyond 8 or 20 %, the process grows even when RSS is flat', () => {
    const f = processFigures(series(7, [50, 50, 50, 50, 50, 50], [20, 20, 20, 40, 40, 40]));
    expect(f.verdict).toBe('grows');
    expect(f.reason).toBe('fds +20 > 8');
  });

  it('if RSS shrinks, the process is stable', () => {
    expect(processFigures(series(7, [300, 300, 300, 100, 100, 100], [20])).verdict).toBe('stable');
  });

  it('if the pid changed, the process restarted and is not judged on growth', () => {
    const f = processFigures([...series(7, [100, 100], [20]), ...series(8, [500, 500], [90])]);
    expect(f.verdict).toBe('restarted');
    expect(f.restarts).toBe(1);
  });

  it('with no sample there is nothing to judge', () => {
    expect(processFigures([]).samples).toBe(0);
    expect(processFigures([]).verdict).not.toBe('stable');
  });

  it('a single sample is both start and end', () => {
    expect(processFigures(series(7, [64], [9]))).toMatchObject({ rssStartMiB: 64, rssEndMiB: 64, fdsStart: 9, fdsEnd: 9, verdict: 'stable' });
  });

  it('the noise allowance can be set', () => {
    expect(processFigures(series(7, [100, 100, 100, 110, 110, 110], [20]), { ...DEFAULT_NOISE, rssMiB: 5, rssFraction: 0 }).verdict).toBe('grows');
  });
});

describe('faultSchedule', () => {
  it('cycles through the three faults every period and leaves the last period quiet', () => {
    expect(faultSchedule(180, 40)).toEqual([
      { atS: 40, fault: 'apiserver-stop' },
      { atS: 80, fault: 'controller-manager-restart' },
      { atS: 120, fault: 'route-cut' },
    ]);
    expect(faultSchedule(1800, 150).map((f) => f.atS)).toEqual([150, 300, 450, 600, 750, 900, 1050, 1200, 1350, 1500, 1650]);
    expect(faultSchedule(1800, 150).at(3)?.fault).toBe('apiserver-stop');
  });

  it('a run shorter than two periods, or a zero period, has no fault', () => {
    expect(faultSchedule(60, 40)).toEqual([]);
    expect(faultSchedule(600, 0)).toEqual([]);
  });
});

describe('counting', () => {
  it('perHour scales a count over a window to one hour', () => {
    expect(perHour(90, 1800)).toBe(180);
    expect(perHour(10, 0)).toBe(0);
  });

  it('sumCounts adds ok and total of every job', () => {
    expect(sumCounts([{ ok: 3, total: 4 }, { ok: 5, total: 5 }])).toEqual({ ok: 8, total: 9 });
    expect(sumCounts([])).toEqual({ ok: 0, total: 0 });
  });
});

describe('soakGoals', () => {
  const stable: ProcessFigures = { rssStartMiB: 60, rssEndMiB: 61, fdsStart: 20, fdsEnd: 20, rssMaxMiB: 65, samples: 10, restarts: 0, verdict: 'stable', reason: '' };
  const report = (over: { certOk?: number; loadOk?: number; certificates?: number; grows?: string } = {}): SoakReport => ({
    durationS: 1800,
    certScrapes: { ok: over.certOk ?? 100, total: 100 },
    processes: Object.fromEntries(CERTSCRAPE_PROCESSES.map((n) => [n, n === over.grows ? { ...stable, verdict: 'grows' } : stable])),
    apiserverRequestsPerHour: 120,
    detail: {
      startedAt: '',
      endedAt: '',
      warmupS: 120,
      intervalSeconds: 1,
      signingDurationSeconds: 540,
      certScrapesByJob: {},
      failedByTimeout: 0,
      load: { byTarget: { 'node-app': { ok: over.loadOk ?? 50, total: 50 } }, errors: [] },
      certificates: over.certificates ?? 3,
      faults: [{ fault: 'route-cut', at: '', seconds: 15 }],
      apiserverRequests: { count: 60, readings: 180, method: '' },
      loadAverage: [],
    },
  });
  const unmet = (r: SoakReport): string[] => soakGoals(r).filter((g) => !g.holds).map((g) => g.goal);

  it('a clean run meets every goal', () => {
    expect(unmet(report())).toEqual([]);
  });

  it('if one certificate scrape failed, the scrape goal is not met', () => {
    expect(unmet(report({ certOk: 99 }))).toEqual(['every certificate scrape by Prometheus succeeded']);
  });

  it('if one client-loop scrape failed, the load goal is not met', () => {
    expect(unmet(report({ loadOk: 49 }))).toEqual(['every scrape of the client loop succeeded']);
  });

  it('if the certificate never rotated, the rotation goal is not met', () => {
    expect(unmet(report({ certificates: 1 }))).toEqual(['the certificate rotated during the run']);
  });

  it("if one of certscrape's processes grows, the growth goal is not met; Prometheus growing is reported but not judged", () => {
    expect(unmet(report({ grows: 'scraper-proxy' }))).toEqual(["certscrape's processes: no growth beyond noise after warm-up"]);
    const r = report();
    expect(unmet({ ...r, processes: { ...r.processes, prometheus: { ...stable, verdict: 'grows' } } })).toEqual([]);
  });
});
