import { describe, expect, it } from 'vitest';
import { verdicts, type E2eReport } from './report.js';

const good: E2eReport = {
  cut: { cert: { ok: 80, total: 80 }, token: { ok: 0, total: 36 } },
  apiserverDown: { cert: { ok: 60, total: 60 } },
  rotation: { rotations: 1, failedScrapes: 0 },
  apiserverRequestsPerScrape: { cert: 0, token: 1 },
};

const failing = (r: E2eReport): string[] => verdicts(r).filter((v) => !v.holds).map((v) => v.claim);

describe('verdicts (issue 9 "Done when")', () => {
  it('all hold for a report that shows the claim', () => {
    expect(failing(good)).toEqual([]);
  });

  it.each<[string, E2eReport, string]>([
    ['one failed cert scrape in the cut', { ...good, cut: { ...good.cut, cert: { ok: 79, total: 80 } } }, 'cut: every certificate scrape succeeded'],
    ['fewer than 10 cert scrapes in the cut', { ...good, cut: { ...good.cut, cert: { ok: 9, total: 9 } } }, 'cut: every certificate scrape succeeded'],
    ['a token scrape succeeding in the cut', { ...good, cut: { ...good.cut, token: { ok: 1, total: 36 } } }, 'cut: every token scrape failed'],
    ['no token scrapes at all in the cut', { ...good, cut: { ...good.cut, token: { ok: 0, total: 0 } } }, 'cut: every token scrape failed'],
    ['a failed cert scrape with apiserver down', { ...good, apiserverDown: { cert: { ok: 59, total: 60 } } }, 'apiserver down: every certificate scrape succeeded'],
    ['no rotation', { ...good, rotation: { rotations: 0, failedScrapes: 0 } }, 'rotation: >= 1 rotation, 0 failed certificate scrapes'],
    ['a failed scrape around the rotation', { ...good, rotation: { rotations: 2, failedScrapes: 1 } }, 'rotation: >= 1 rotation, 0 failed certificate scrapes'],
    ['cert scrapes causing apiserver requests', { ...good, apiserverRequestsPerScrape: { cert: 0.1, token: 2 } }, 'load: 0 apiserver requests per cert scrape, >= 1 per token scrape'],
    ['token scrapes served from a cache', { ...good, apiserverRequestsPerScrape: { cert: 0, token: 0.05 } }, 'load: 0 apiserver requests per cert scrape, >= 1 per token scrape'],
  ])('if %s, that claim fails (and only that one)', (_name, report, claim) => {
    expect(failing(report)).toEqual([claim]);
  });
});

describe('verdicts per scraper identity (issue 17)', () => {
  const id = { cut: { ok: 20, total: 20 }, apiserverDown: { ok: 15, total: 15 }, rotations: 1 };
  const two: E2eReport = { ...good, identities: { 'system:serviceaccount:monitoring:prometheus-k8s': id, 'system:serviceaccount:monitoring-user-workload:prometheus-user-workload': id } };
  const claim = (u: string) => `identity ${u}: every scrape succeeded in the cut and with kube-apiserver down, >= 1 rotation`;
  const UW = 'system:serviceaccount:monitoring-user-workload:prometheus-user-workload';

  it('one claim per identity, all holding for a report that shows them', () => {
    expect(verdicts(two).map((v) => v.claim)).toEqual(expect.arrayContaining([claim('system:serviceaccount:monitoring:prometheus-k8s'), claim(UW)]));
    expect(failing(two)).toEqual([]);
  });

  it.each<[string, Partial<typeof id>]>([
    ['one failed scrape in the cut', { cut: { ok: 19, total: 20 } }],
    ['fewer than 10 scrapes with kube-apiserver down', { apiserverDown: { ok: 9, total: 9 } }],
    ['no rotation of its Secret', { rotations: 0 }],
  ])('if the user-workload identity had %s, its claim fails (and only that one)', (_name, change) => {
    expect(failing({ ...two, identities: { ...two.identities, [UW]: { ...id, ...change } } })).toEqual([claim(UW)]);
  });
});
