import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { prometheusConfig } from './prometheus-config.js';
import { scrapeJobs, selector, type ScrapeTarget } from './scrape-matrix.js';

const targets: ScrapeTarget[] = [
  { name: 'node-app', address: '10.213.0.2:9445', servingCaFile: '/s/ca.crt', inNamespace: true, reportsVia: true },
  { name: 'kube-apiserver', address: '10.213.0.1:6443', servingCaFile: '/k/ca.crt', inNamespace: false, intervalSeconds: 5 },
];
const credentials = { certFile: '/c/tls.crt', keyFile: '/c/tls.key', tokenFile: '/c/token', proxyUrl: 'http://127.0.0.1:9092' };

type Job = Record<string, unknown> & { job_name: string; tls_config?: Record<string, string>; static_configs: { labels: Record<string, string> }[] };
const jobs = (): Job[] => (parse(prometheusConfig({ jobs: scrapeJobs(targets), credentials, intervalSeconds: 2 })) as { scrape_configs: Job[] }).scrape_configs;
const job = (name: string): Job => {
  const j = jobs().find((x) => x.job_name === name);
  if (!j) throw new Error(`no job ${name}`);
  return j;
};

describe('prometheusConfig', () => {
  it('has one job per target and path, labelled target/path', () => {
    expect(jobs().map((j) => j.job_name)).toEqual(['node-app/cert', 'node-app/proxy', 'node-app/token', 'kube-apiserver/cert', 'kube-apiserver/proxy', 'kube-apiserver/token']);
    expect(job('kube-apiserver/proxy').static_configs[0]?.labels).toEqual({ target: 'kube-apiserver', path: 'proxy' });
  });

  it('the cert job presents the Secret files and verifies the serving CA of that target', () => {
    expect(job('kube-apiserver/cert')).toMatchObject({ scheme: 'https', tls_config: { ca_file: '/k/ca.crt', cert_file: '/c/tls.crt', key_file: '/c/tls.key' } });
  });

  it('the proxy job speaks plain HTTP to proxy_url and carries no credentials of its own', () => {
    const j = job('node-app/proxy');
    expect(j).toMatchObject({ scheme: 'http', proxy_url: 'http://127.0.0.1:9092' });
    expect(j.tls_config).toBeUndefined();
    expect(j.authorization).toBeUndefined();
  });

  it('the token job sends the bearer token file and presents no certificate', () => {
    const j = job('node-app/token');
    expect(j.authorization).toEqual({ type: 'Bearer', credentials_file: '/c/token' });
    expect(j.tls_config).toEqual({ ca_file: '/s/ca.crt' });
  });

  it('scrape timeout equals the interval (Prometheus rejects a longer one) and via= is sent only where asked', () => {
    expect(job('node-app/cert')).toMatchObject({ scrape_interval: '2s', scrape_timeout: '2s', params: { via: ['cert'] } });
    expect(job('kube-apiserver/cert').params).toBeUndefined();
  });

  it('a target may have its own interval (kube-apiserver metrics are large)', () => {
    expect(job('kube-apiserver/token')).toMatchObject({ scrape_interval: '5s', scrape_timeout: '5s' });
  });
});

describe('prometheusConfig with a second identity', () => {
  const shared: ScrapeTarget = { name: 'shared-exporter', address: '10.213.0.2:9446', servingCaFile: '/s/ca.crt', inNamespace: true, paths: ['cert', 'user-workload'] };
  it('the user-workload job presents the second identity\'s files, the cert job the first\'s, on the same target', () => {
    const all = (parse(prometheusConfig({ jobs: scrapeJobs([shared]), credentials: { ...credentials, userWorkload: { certFile: '/u/tls.crt', keyFile: '/u/tls.key' } } })) as { scrape_configs: Job[] }).scrape_configs;
    expect(all.map((j) => j.job_name)).toEqual(['shared-exporter/cert', 'shared-exporter/user-workload']);
    expect(all[0]?.tls_config).toEqual({ ca_file: '/s/ca.crt', cert_file: '/c/tls.crt', key_file: '/c/tls.key' });
    expect(all[1]?.tls_config).toEqual({ ca_file: '/s/ca.crt', cert_file: '/u/tls.crt', key_file: '/u/tls.key' });
    expect(all[1]?.static_configs[0]?.labels).toEqual({ target: 'shared-exporter', path: 'user-workload' });
  });
  it('refuses a user-workload job without the second identity\'s files', () => {
    expect(() => prometheusConfig({ jobs: scrapeJobs([shared]), credentials })).toThrow(expect.objectContaining({ code: 'E2E_ERR_PROMETHEUS' }));
  });
});

describe('selector', () => {
  it('matches the given paths and targets as regex alternations', () => {
    expect(selector(['cert', 'proxy'], ['etcd', 'node-app'])).toBe('{path=~"cert|proxy",target=~"etcd|node-app"}');
  });
});
