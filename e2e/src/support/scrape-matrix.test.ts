import { describe, expect, it } from 'vitest';
import { CERT_PATHS, scrapeJobs, type ScrapeTarget } from './scrape-matrix.js';

const t = (name: ScrapeTarget['name'], paths?: ScrapeTarget['paths']): ScrapeTarget => ({ name, address: '10.213.0.2:1', servingCaFile: '/ca', inNamespace: true, ...(paths ? { paths } : {}) });

describe('scrapeJobs', () => {
  it('scrapes a target every way unless it names its paths, and only by the asked paths it has', () => {
    const targets = [t('etcd'), t('kube-controller-manager', ['cert']), t('kube-controller-manager-stock', ['token'])];
    expect(scrapeJobs(targets).map((j) => j.job)).toEqual(['etcd/cert', 'etcd/proxy', 'etcd/token', 'kube-controller-manager/cert', 'kube-controller-manager-stock/token']);
    expect(scrapeJobs(targets, CERT_PATHS).map((j) => j.job)).toEqual(['etcd/cert', 'etcd/proxy', 'kube-controller-manager/cert']);
  });

  it('scrapes with the second identity only the targets that name the user-workload path', () => {
    const targets = [t('etcd'), t('shared-exporter', ['cert', 'user-workload'])];
    expect(scrapeJobs(targets).map((j) => j.job)).toEqual(['etcd/cert', 'etcd/proxy', 'etcd/token', 'shared-exporter/cert', 'shared-exporter/user-workload']);
  });
});
