import { stringify } from 'yaml';

/** The fields of a prometheus-operator ServiceMonitor endpoint that certscrape's own ServiceMonitor uses. */
interface Endpoint {
  readonly port: string;
  readonly scheme?: string;
  readonly path?: string;
  readonly interval?: string;
  readonly tlsConfig?: {
    readonly insecureSkipVerify?: boolean;
    readonly serverName?: string;
    readonly cert?: { readonly secret?: { readonly name: string; readonly key: string } };
    readonly keySecret?: { readonly name: string; readonly key: string };
    readonly ca?: { readonly configMap?: { readonly name: string; readonly key: string }; readonly secret?: { readonly name: string; readonly key: string } };
  };
}

const ENDPOINT_FIELDS = new Set(['port', 'scheme', 'path', 'interval', 'tlsConfig']);
const TLS_FIELDS = new Set(['insecureSkipVerify', 'serverName', 'cert', 'keySecret', 'ca']);

/** A target of one ServiceMonitor endpoint: the Service it belongs to and where its port listens. */
export interface ServiceMonitorTarget {
  readonly service: string;
  readonly address: string;
}

/** Options of {@link scrapeConfigsFromServiceMonitor}. */
export interface ServiceMonitorTranslation {
  readonly namespace: string;
  /** Targets per endpoint port name (as the operator finds them through the Services' Endpoints). */
  readonly targets: Readonly<Record<string, readonly ServiceMonitorTarget[]>>;
  /** Where a Secret key is mounted: prometheus-operator copies referenced keys into the pod (tls-assets). */
  readonly secretFile: (secret: string, key: string) => string;
  readonly configMapFile: (configMap: string, key: string) => string;
}

/**
 * Turns a ServiceMonitor into Prometheus `scrape_configs` the way prometheus-operator does for
 * what certscrape's ServiceMonitor uses: one job per endpoint (`serviceMonitor/<ns>/<name>/<i>`),
 * `job` = the Service name, scheme/path/interval, and tlsConfig (insecureSkipVerify, serverName,
 * cert/keySecret/ca from Secret or ConfigMap keys -> files). Any other endpoint or TLS field
 * throws, so a change to the ServiceMonitor that this test cannot model fails loudly.
 */
export function scrapeConfigsFromServiceMonitor(serviceMonitor: { metadata: { name: string }; spec: Record<string, unknown> }, t: ServiceMonitorTranslation): Record<string, unknown>[] {
  const endpoints = serviceMonitor.spec['endpoints'] as Endpoint[] | undefined;
  if (!Array.isArray(endpoints) || endpoints.length === 0) throw new Error('ServiceMonitor has no endpoints');
  return endpoints.map((e, i) => {
    for (const k of Object.keys(e)) if (!ENDPOINT_FIELDS.has(k)) throw new Error(`endpoint field ${k} is not modelled`);
    const tls = e.tlsConfig ?? {};
    for (const k of Object.keys(tls)) if (!TLS_FIELDS.has(k)) throw new Error(`tlsConfig field ${k} is not modelled`);
    const tlsConfig: Record<string, unknown> = {};
    if (tls.insecureSkipVerify !== undefined) tlsConfig['insecure_skip_verify'] = tls.insecureSkipVerify;
    if (tls.serverName !== undefined) tlsConfig['server_name'] = tls.serverName;
    if (tls.cert?.secret) tlsConfig['cert_file'] = t.secretFile(tls.cert.secret.name, tls.cert.secret.key);
    if (tls.keySecret) tlsConfig['key_file'] = t.secretFile(tls.keySecret.name, tls.keySecret.key);
    if (tls.ca?.secret) tlsConfig['ca_file'] = t.secretFile(tls.ca.secret.name, tls.ca.secret.key);
    if (tls.ca?.configMap) tlsConfig['ca_file'] = t.configMapFile(tls.ca.configMap.name, tls.ca.configMap.key);
    const targets = t.targets[e.port] ?? [];
    return {
      job_name: `serviceMonitor/${t.namespace}/${serviceMonitor.metadata.name}/${i}`,
      scheme: e.scheme ?? 'http',
      metrics_path: e.path ?? '/metrics',
      ...(e.interval ? { scrape_interval: e.interval } : {}),
      ...(Object.keys(tlsConfig).length > 0 ? { tls_config: tlsConfig } : {}),
      static_configs: targets.map((x) => ({ targets: [x.address], labels: { job: x.service, service: x.service, namespace: t.namespace, endpoint: e.port } })),
    };
  });
}

/** A Prometheus config with `scrape_configs` (and optional rule files), as YAML. */
export function prometheusYaml(scrapeConfigs: readonly Record<string, unknown>[], options: { scrapeInterval?: string; ruleFiles?: readonly string[] } = {}): string {
  return stringify({
    global: { scrape_interval: options.scrapeInterval ?? '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    ...(options.ruleFiles ? { rule_files: [...options.ruleFiles] } : {}),
    scrape_configs: scrapeConfigs,
  });
}
