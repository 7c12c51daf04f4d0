import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { METER_FLOW_SCHEMA, METER_JOB, meterCount, meterFlowSchema, meterQuery, withMeterJob } from './soak-apiserver-meter.js';

describe('the apiserver request meter', () => {
  it("the FlowSchema matches exactly certscrape's service accounts, ahead of the suggested schemas", () => {
    const fs = meterFlowSchema([{ namespace: 'monitoring', name: 'csr-approver' }]);
    expect(fs.metadata.name).toBe(METER_FLOW_SCHEMA);
    expect(fs.apiVersion).toBe('flowcontrol.apiserver.k8s.io/v1beta1'); // what kube-apiserver 1.20 serves
    const spec = fs.spec as { matchingPrecedence: number; rules: { subjects: unknown[] }[] };
    expect(spec.matchingPrecedence).toBeLessThan(100); // system-leader-election, the first suggested schema after exempt/probes
    expect(spec.rules[0]?.subjects).toEqual([{ kind: 'ServiceAccount', serviceAccount: { namespace: 'monitoring', name: 'csr-approver' } }]);
  });

  it('the meter job is appended to the scrape jobs and keeps only the dispatched-requests counter', () => {
    const yaml = withMeterJob('global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: a\n', { address: '10.0.0.1:6443', caFile: '/ca', certFile: '/c', keyFile: '/k', intervalSeconds: 10 });
    const config = parse(yaml) as { scrape_configs: { job_name: string; metric_relabel_configs?: { regex: string; action: string }[] }[] };
    expect(config.scrape_configs.map((j) => j.job_name)).toEqual(['a', METER_JOB]);
    expect(config.scrape_configs[1]?.metric_relabel_configs).toEqual([{ source_labels: ['__name__'], regex: 'apiserver_flowcontrol_dispatched_requests_total', action: 'keep' }]);
  });

  it("reads the FlowSchema's count under either label spelling, and nothing when kube-apiserver never reported it", () => {
    expect(meterQuery('60s')).toContain('[60s]');
    expect(meterCount([{ metric: { flowSchema: 'service-accounts' }, value: 9 }, { metric: { flowSchema: METER_FLOW_SCHEMA }, value: 41.6 }])).toBe(42);
    expect(meterCount([{ metric: { flow_schema: METER_FLOW_SCHEMA }, value: 3 }])).toBe(3);
    expect(meterCount([{ metric: { flowSchema: 'global-default' }, value: 3 }])).toBeUndefined();
  });
});
