import { describe, expect, it } from 'vitest';
import { controllerManagerVerdicts } from './controller-manager-verdicts.js';
import type { E2eReport } from './report.js';

const c = (ok: number, total: number) => ({ ok, total });
const report = (targets: Record<string, unknown>): E2eReport => ({
  cut: { cert: c(80, 80), token: c(0, 36) },
  apiserverDown: { cert: c(60, 60) },
  rotation: { rotations: 1, failedScrapes: 0 },
  apiserverRequestsPerScrape: { cert: 0, token: 1 },
  targets,
});
const fronted = (cut = c(12, 12), down = c(11, 11)) => ({ baseline: { cert: c(10, 10) }, cut: { cert: cut }, apiserverDown: { cert: down } });
const stock = (baseline = c(10, 10), cut = c(3, 12)) => ({ baseline: { token: baseline }, cut: { token: cut } });
const good = report({ 'kube-controller-manager': fronted(), 'kube-controller-manager-stock': stock() });
const failing = (r: E2eReport): string[] => controllerManagerVerdicts(r).filter((v) => !v.holds).map((v) => v.claim);

const CUT = 'kube-controller-manager behind the sidecar: every certificate scrape succeeded during the cut';
const DOWN = 'kube-controller-manager behind the sidecar: every certificate scrape succeeded while kube-apiserver was stopped';
const STOCK = 'stock kube-controller-manager (token): answered before the cut, failing during it';

describe('controllerManagerVerdicts (issue 16 "Done when")', () => {
  it('all hold for a report that shows the claim (the stock one may answer from its 10 s cache early in the cut)', () => {
    expect(failing(good)).toEqual([]);
  });

  it.each<[string, E2eReport, string[]]>([
    ['one certificate scrape through the sidecar failed in the cut', report({ 'kube-controller-manager': fronted(c(11, 12)), 'kube-controller-manager-stock': stock() }), [CUT]],
    ['fewer than 10 certificate scrapes in the cut', report({ 'kube-controller-manager': fronted(c(9, 9)), 'kube-controller-manager-stock': stock() }), [CUT]],
    ['one failed while kube-apiserver was stopped', report({ 'kube-controller-manager': fronted(c(12, 12), c(10, 11)), 'kube-controller-manager-stock': stock() }), [DOWN]],
    ['the stock one answered every token scrape in the cut', report({ 'kube-controller-manager': fronted(), 'kube-controller-manager-stock': stock(c(10, 10), c(12, 12)) }), [STOCK]],
    ['the stock one was already failing before the cut', report({ 'kube-controller-manager': fronted(), 'kube-controller-manager-stock': stock(c(9, 10)) }), [STOCK]],
    ['the stock one was never scraped', report({ 'kube-controller-manager': fronted() }), [STOCK]],
    ['neither target is in the report', report({}), [CUT, DOWN, STOCK]],
  ])('if %s, exactly those claims fail', (_name, r, claims) => {
    expect(failing(r)).toEqual(claims);
  });
});
