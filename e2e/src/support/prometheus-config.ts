import { stringify } from 'yaml';
import { E2eError } from './errors.js';
import type { ScrapeJob } from './scrape-matrix.js';

/** The files and endpoints the scrape jobs use. */
export interface ScraperCredentials {
  /** tls.crt / tls.key as projected from Secret metrics-client-certs (rewritten on rotation). */
  readonly certFile: string;
  readonly keyFile: string;
  /** A service-account token of the scraper identity (control group). */
  readonly tokenFile: string;
  /** http://127.0.0.1:PORT of certscrape-scraper-proxy. */
  readonly proxyUrl: string;
  /** The second identity's pair (its own Secret), for `user-workload` jobs; required only when there are such jobs. */
  readonly userWorkload?: { readonly certFile: string; readonly keyFile: string };
}

/** Options of {@link prometheusConfig}. */
export interface PrometheusConfigOptions {
  readonly jobs: readonly ScrapeJob[];
  readonly credentials: ScraperCredentials;
  /** scrape_interval in seconds (default 1); scrape_timeout is the same. */
  readonly intervalSeconds?: number;
}

/**
 * A Prometheus 2.42 configuration (YAML) with one job per (target, path). Pure.
 * `cert` jobs use tls_config cert_file/key_file (Prometheus re-reads them when they change);
 * `proxy` jobs send plain HTTP to proxy_url and let the proxy originate mTLS;
 * `token` jobs send bearer_token_file and present no certificate;
 * `user-workload` jobs present the second identity's files, like `cert` does the first's.
 */
export function prometheusConfig(options: PrometheusConfigOptions): string {
  const interval = `${options.intervalSeconds ?? 1}s`;
  const c = options.credentials;
  const scrapeConfigs = options.jobs.map(({ job, target, path }) => {
    const own = target.intervalSeconds ? `${target.intervalSeconds}s` : interval;
    const base: Record<string, unknown> = {
      job_name: job,
      scrape_interval: own,
      scrape_timeout: own,
      metrics_path: '/metrics',
      ...(target.reportsVia ? { params: { via: [path] } } : {}),
      static_configs: [{ targets: [target.address], labels: { target: target.name, path } }],
    };
    switch (path) {
      case 'cert':
        return { ...base, scheme: 'https', tls_config: { ca_file: target.servingCaFile, cert_file: c.certFile, key_file: c.keyFile } };
      case 'proxy':
        return { ...base, scheme: 'http', proxy_url: c.proxyUrl };
      case 'token':
        return { ...base, scheme: 'https', authorization: { type: 'Bearer', credentials_file: c.tokenFile }, tls_config: { ca_file: target.servingCaFile } };
      case 'user-workload':
        if (!c.userWorkload) throw new E2eError('E2E_ERR_PROMETHEUS', `job ${job} needs the user-workload identity's certificate files`);
        return { ...base, scheme: 'https', tls_config: { ca_file: target.servingCaFile, cert_file: c.userWorkload.certFile, key_file: c.userWorkload.keyFile } };
    }
  });
  return stringify({ global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval }, scrape_configs: scrapeConfigs });
}
