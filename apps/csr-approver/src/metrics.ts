import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InformerHealth } from '@certscrape/kube-runtime';

/** The approver's Prometheus metrics, on their own registry. */
export interface ApproverMetrics {
  readonly registry: Registry;
  /** Decisions applied (or skipped), by result (approved|denied|ignored) and reason (rule code or skip category). */
  readonly decisions: Counter<'result' | 'reason'>;
  /** Every violation of every denial, by rule code. */
  readonly violations: Counter<'rule'>;
  /** Time to evaluate one CSR against the policy (parse, rules, signature). */
  readonly evaluationSeconds: Histogram;
  /** Failed writes to the /approval subresource, by kind (conflict|error). */
  readonly writeErrors: Counter<'kind'>;
  /** 1 while this replica leads (or leader election is off). */
  readonly leader: Gauge;
}

/**
 * Creates the registry. Informer health is read at scrape time through `informerHealth`:
 * `..._informer_synced`, `..._informer_watching`, `..._informer_last_success_timestamp_seconds`,
 * `..._informer_consecutive_failures`, `..._informer_restarts`.
 */
export function createApproverMetrics(informerHealth: () => InformerHealth | undefined, options: { defaultMetrics?: boolean } = {}): ApproverMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const p = 'certscrape_csr_approver_';
  const gauge = (name: string, help: string, read: (h: InformerHealth) => number) =>
    new Gauge({
      name: `${p}${name}`,
      help,
      registers: [registry],
      collect() {
        const h = informerHealth();
        this.set(h ? read(h) : 0);
      },
    });
  gauge('informer_synced', '1 once the CSR informer has completed its first list.', (h) => (h.synced ? 1 : 0));
  gauge('informer_watching', '1 while a CSR watch stream is open.', (h) => (h.watching ? 1 : 0));
  gauge('informer_last_success_timestamp_seconds', 'Last successful CSR list or watch activity (unix seconds).', (h) => Math.max(h.lastListTime ?? 0, h.lastWatchTime ?? 0) / 1000);
  gauge('informer_consecutive_failures', 'CSR list/watch failures since the last success.', (h) => h.consecutiveFailures);
  gauge('informer_restarts', 'CSR watch restarts since start.', (h) => h.restarts);
  return {
    registry,
    decisions: new Counter({ name: `${p}decisions_total`, help: 'CSR decisions by result and reason.', labelNames: ['result', 'reason'], registers: [registry] }),
    violations: new Counter({ name: `${p}violations_total`, help: 'Policy violations found in denied CSRs, by rule.', labelNames: ['rule'], registers: [registry] }),
    evaluationSeconds: new Histogram({
      name: `${p}evaluation_duration_seconds`,
      help: 'Time to evaluate one CSR against the policy.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    writeErrors: new Counter({ name: `${p}approval_write_errors_total`, help: 'Failed /approval writes by kind.', labelNames: ['kind'], registers: [registry] }),
    leader: new Gauge({ name: `${p}leader`, help: '1 while this replica is the leader.', registers: [registry] }),
  };
}
