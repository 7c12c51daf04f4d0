import { describe, expect, it } from 'vitest';
import { createMetrics, identityMetrics } from './metrics.js';

describe('per-identity metrics', () => {
  it('each identity writes its own series, under the single-identity metric names', async () => {
    const m = createMetrics({ defaultMetrics: false, identities: ['a', 'b'] });
    identityMetrics(m, 'a').certificateNotAfter.set(100);
    identityMetrics(m, 'b').certificateNotAfter.set(200);
    identityMetrics(m, 'b').csrOutcomes.inc({ outcome: 'denied' });
    const text = await m.registry.metrics();
    expect(text).toContain('certscrape_monitoring_operator_certificate_not_after_timestamp_seconds{identity="a"} 100');
    expect(text).toContain('certscrape_monitoring_operator_certificate_not_after_timestamp_seconds{identity="b"} 200');
    expect(text).toContain('certscrape_monitoring_operator_csr_outcomes_total{identity="b",outcome="denied"} 1');
    expect(text).toContain('certscrape_monitoring_operator_csr_outcomes_total{identity="a",outcome="denied"} 0');
  });
});
