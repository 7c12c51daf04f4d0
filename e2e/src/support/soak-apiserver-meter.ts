// Counting kube-apiserver's requests by certscrape's identities. kube-apiserver 1.20's
// apiserver_request_total has no user label and the local control plane runs without an audit
// log, so the soak adds a FlowSchema (API Priority and Fairness, beta and on by default in 1.20)
// that matches exactly certscrape's service accounts: kube-apiserver then counts their requests
// in apiserver_flowcontrol_dispatched_requests_total{flowSchema="certscrape"}. Long-running
// requests (watches) bypass APF in 1.20 and are not counted. Pure.
import { parse, stringify } from 'yaml';
import type { KubeObject } from '@certscrape/local-cluster';
import type { PromSample } from './prometheus-server.js';

/** The FlowSchema's name: the label value of its requests. */
export const METER_FLOW_SCHEMA = 'certscrape';

/** The counter kube-apiserver keeps per FlowSchema. */
export const DISPATCHED_METRIC = 'apiserver_flowcontrol_dispatched_requests_total';

/** Prometheus job that reads the counter from kube-apiserver (not a certificate-scrape job of the report). */
export const METER_JOB = 'kube-apiserver/meter';

/**
 * A FlowSchema matching `serviceAccounts`, ahead of every suggested schema but after `exempt` and
 * `probes`, in the priority level the suggested `service-accounts` schema uses (so their requests
 * are limited exactly as before).
 */
export function meterFlowSchema(serviceAccounts: readonly { readonly namespace: string; readonly name: string }[]): KubeObject {
  return {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1',
    kind: 'FlowSchema',
    metadata: { name: METER_FLOW_SCHEMA },
    spec: {
      matchingPrecedence: 50,
      priorityLevelConfiguration: { name: 'workload-low' },
      distinguisherMethod: { type: 'ByUser' },
      rules: [
        {
          subjects: serviceAccounts.map((sa) => ({ kind: 'ServiceAccount', serviceAccount: { namespace: sa.namespace, name: sa.name } })),
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        },
      ],
    },
  };
}

/** What the meter job scrapes with: kube-apiserver's address and CA, the scraper's client certificate. */
export interface MeterJobOptions {
  readonly address: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly intervalSeconds: number;
}

/** `configYaml` (from prometheusConfig) plus a job that keeps only {@link DISPATCHED_METRIC} from kube-apiserver's /metrics. */
export function withMeterJob(configYaml: string, o: MeterJobOptions): string {
  const config = parse(configYaml) as { scrape_configs: unknown[] };
  config.scrape_configs.push({
    job_name: METER_JOB,
    scrape_interval: `${o.intervalSeconds}s`,
    scrape_timeout: `${o.intervalSeconds}s`,
    metrics_path: '/metrics',
    scheme: 'https',
    tls_config: { ca_file: o.caFile, cert_file: o.certFile, key_file: o.keyFile },
    static_configs: [{ targets: [o.address], labels: { target: 'kube-apiserver', path: 'meter' } }],
    metric_relabel_configs: [{ source_labels: ['__name__'], regex: DISPATCHED_METRIC, action: 'keep' }],
  });
  return stringify(config);
}

/** The query for the requests of every FlowSchema over `range` (1.20 labels it flowSchema; later releases flow_schema). */
export function meterQuery(range: string): string {
  return `sum by (flowSchema, flow_schema) (increase(${DISPATCHED_METRIC}{job="${METER_JOB}"}[${range}]))`;
}

/** The meter FlowSchema's count in the result of {@link meterQuery}; undefined when kube-apiserver never reported it. */
export function meterCount(result: readonly PromSample[]): number | undefined {
  const s = result.find((r) => (r.metric.flowSchema ?? r.metric.flow_schema) === METER_FLOW_SCHEMA);
  return s === undefined ? undefined : Math.round(s.value);
}
