import type { ScrapeCount } from './phase-window.js';
import { MIN_CERT_SCRAPES_PER_PHASE, type E2eReport, type Verdict } from './report.js';

/** Report keys of the two kube-controller-manager targets (issue 16). */
export const CONTROLLER_MANAGER_TARGETS = Object.freeze({ fronted: 'kube-controller-manager', stock: 'kube-controller-manager-stock' });

/** `targets[target][phase][path]` of the report, or {0, 0} when absent. Pure. */
export function targetCount(r: E2eReport, target: string, phase: string, path: string): ScrapeCount {
  const c = (r.targets?.[target] as Record<string, Record<string, ScrapeCount | undefined> | undefined> | undefined)?.[phase]?.[path];
  return { ok: c?.ok ?? 0, total: c?.total ?? 0 };
}

/**
 * Issue 16's "Done when" for the seed's control-plane target, read from the report (pure): the
 * kube-controller-manager behind the sidecar answers every certificate scrape during the cut and
 * while kube-apiserver is stopped; the stock one, scraped with a token, answers before the cut and
 * fails during it. A missing target fails its claims.
 */
export function controllerManagerVerdicts(r: E2eReport): Verdict[] {
  const frac = (c: ScrapeCount): string => `${c.ok}/${c.total}`;
  const all = (c: ScrapeCount): boolean => c.total >= MIN_CERT_SCRAPES_PER_PHASE && c.ok === c.total;
  const { fronted, stock } = CONTROLLER_MANAGER_TARGETS;
  const cut = targetCount(r, fronted, 'cut', 'cert');
  const down = targetCount(r, fronted, 'apiserverDown', 'cert');
  const stockBaseline = targetCount(r, stock, 'baseline', 'token');
  const stockCut = targetCount(r, stock, 'cut', 'token');
  return [
    { claim: 'kube-controller-manager behind the sidecar: every certificate scrape succeeded during the cut', holds: all(cut), evidence: `${frac(cut)} ok` },
    { claim: 'kube-controller-manager behind the sidecar: every certificate scrape succeeded while kube-apiserver was stopped', holds: all(down), evidence: `${frac(down)} ok` },
    {
      claim: 'stock kube-controller-manager (token): answered before the cut, failing during it',
      holds: stockBaseline.total > 0 && stockBaseline.ok === stockBaseline.total && stockCut.total > 0 && stockCut.ok < stockCut.total,
      evidence: `baseline ${frac(stockBaseline)} ok, cut ${frac(stockCut)} ok`,
    },
  ];
}
