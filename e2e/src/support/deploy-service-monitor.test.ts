import { describe, expect, it } from 'vitest';
import { scrapeConfigsFromServiceMonitor } from './deploy-service-monitor.js';

const translation = {
  namespace: 'monitoring',
  targets: { 'https-metrics': [{ service: 'csr-approver-metrics', address: '127.0.0.1:1' }] },
  secretFile: (s: string, k: string) => `/secrets/${s}/${k}`,
  configMapFile: (c: string, k: string) => `/configmaps/${c}/${k}`,
};

describe('scrapeConfigsFromServiceMonitor (what prometheus-operator generates for an endpoint)', () => {
  it('maps scheme, path, interval and the client certificate Secret keys to a scrape config with job = the Service', () => {
    const [job] = scrapeConfigsFromServiceMonitor(
      {
        metadata: { name: 'sm' },
        spec: { endpoints: [{ port: 'https-metrics', scheme: 'https', path: '/metrics', interval: '30s', tlsConfig: { insecureSkipVerify: true, cert: { secret: { name: 'metrics-client-certs', key: 'tls.crt' } }, keySecret: { name: 'metrics-client-certs', key: 'tls.key' } } }] },
      },
      translation,
    );
    expect(job).toEqual({
      job_name: 'serviceMonitor/monitoring/sm/0',
      scheme: 'https',
      metrics_path: '/metrics',
      scrape_interval: '30s',
      tls_config: { insecure_skip_verify: true, cert_file: '/secrets/metrics-client-certs/tls.crt', key_file: '/secrets/metrics-client-certs/tls.key' },
      static_configs: [{ targets: ['127.0.0.1:1'], labels: { job: 'csr-approver-metrics', service: 'csr-approver-metrics', namespace: 'monitoring', endpoint: 'https-metrics' } }],
    });
  });

  it.each([
    ['a bearer token file', { port: 'https-metrics', bearerTokenFile: '/t' }],
    ['basic auth', { port: 'https-metrics', basicAuth: {} }],
    ['an unmodelled TLS field', { port: 'https-metrics', tlsConfig: { keyFile: '/k' } }],
  ])('refuses %s (a change it cannot model must fail loudly)', (_what, endpoint) => {
    expect(() => scrapeConfigsFromServiceMonitor({ metadata: { name: 'sm' }, spec: { endpoints: [endpoint] } }, translation)).toThrow(/not modelled/);
  });
});
