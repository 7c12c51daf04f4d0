import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CleanupStack } from './cleanup-stack.js';
import { ManagedProcess } from './managed-process.js';
import type { NetworkNamespace } from './network-namespace.js';
import type { Argv } from './run-command.js';
import type { ScrapeTarget } from './scrape-matrix.js';
import type { ServingPki } from './serving-pki.js';
import { nodeBin } from './workspace-bins.js';

/** Ports inside the namespace (a fresh namespace has every port free). */
export const TARGET_PORTS = Object.freeze({
  nodeApp: 9445,
  nodeExporterSidecar: 9443,
  sharedExporterSidecar: 9447,
  etcdSidecar: 9444,
  nodeExporter: 9100,
  etcdClient: 12379,
  etcdPeer: 12380,
  etcdMetrics: 12381,
});

/** What every target is given, as a pod would be. */
export interface TargetMounts {
  /** client-ca.crt of ConfigMap metrics-client-ca, projected like a volume. */
  readonly clientCaFile: string;
  /** The targets' serving pair. */
  readonly serving: ServingPki;
  /** Kubeconfig for the token fallback (server = host side of the veth pair). */
  readonly kubeconfig: string;
  /** The scraper identity the static rules allow. */
  readonly scraperIdentity: string;
  /**
   * Rules for a second sidecar in front of the same node-exporter (`shared-exporter`), scraped by two
   * identities: deploy/samples/target-auth-rules/per-identity.yaml (platform: every path; user-workload:
   * /metrics only). Without it there is no shared-exporter.
   */
  readonly perIdentityConfigFile?: string;
}

/** kube-rbac-proxy's config format, as deploy/samples/example-exporter/config.yaml uses it. Pure. */
export function kubeRbacProxyConfig(scraperIdentity: string): string {
  return ['authorization:', '  static:', '    - user:', `        name: ${scraperIdentity}`, '      verb: get', '      path: /metrics', '      resourceRequest: false', ''].join('\n');
}

/** argv of the certscrape-target-auth sidecar in front of `upstream`, listening on `listen`. Pure apart from locating the bin. */
export function sidecarArgv(listen: string, upstream: string, mounts: TargetMounts, configFile: string): Argv {
  return [
    ...nodeBin('targetAuth'),
    `--secure-listen-address=${listen}`,
    `--upstream=${upstream}`,
    `--client-ca-file=${mounts.clientCaFile}`,
    `--config-file=${configFile}`,
    `--tls-cert-file=${mounts.serving.certFile}`,
    `--tls-private-key-file=${mounts.serving.keyFile}`,
    `--kubeconfig=${mounts.kubeconfig}`,
    // No TokenReview/SAR cache: every token scrape needs kube-apiserver (the control group).
    '--delegated-cache-ttl=0',
  ];
}

/**
 * Starts, inside the namespace: the Node service embedding @certscrape/target-auth; Debian's
 * prometheus-node-exporter on 127.0.0.1 behind the certscrape-target-auth sidecar; a small
 * separate etcd (its own /metrics on 127.0.0.1) behind another sidecar; with `perIdentityConfigFile`, a
 * second sidecar in front of the node-exporter with per-identity rules. Returns the scrape targets (TLS endpoints on the namespace address). Every process is registered for cleanup.
 */
export async function startNamespaceTargets(ns: NetworkNamespace, mounts: TargetMounts, dir: string, cleanup: CleanupStack): Promise<ScrapeTarget[]> {
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, 'target-auth-config.yaml');
  await writeFile(configFile, kubeRbacProxyConfig(mounts.scraperIdentity));
  const ip = ns.plan.nsAddress;
  const start = (name: string, argv: Argv): ManagedProcess => {
    const full = ns.exec(argv);
    const proc = ManagedProcess.start({ name, command: full[0], args: full.slice(1), logFile: join(dir, `${name}.log`) });
    cleanup.defer(name, () => proc.stop(), () => proc.killSync());
    return proc;
  };

  start('node-app', [
    ...nodeBin('nodeMetricsServer'),
    `--listen=${ip}:${TARGET_PORTS.nodeApp}`,
    `--client-ca-file=${mounts.clientCaFile}`,
    `--tls-cert-file=${mounts.serving.certFile}`,
    `--tls-key-file=${mounts.serving.keyFile}`,
    `--kubeconfig=${mounts.kubeconfig}`,
    `--scraper-identity=${mounts.scraperIdentity}`,
  ]);

  start('node-exporter', ['prometheus-node-exporter', `--web.listen-address=127.0.0.1:${TARGET_PORTS.nodeExporter}`, '--no-collector.systemd']);
  start('node-exporter-sidecar', sidecarArgv(`${ip}:${TARGET_PORTS.nodeExporterSidecar}`, `http://127.0.0.1:${TARGET_PORTS.nodeExporter}/`, mounts, configFile));
  if (mounts.perIdentityConfigFile) {
    start('shared-exporter-sidecar', sidecarArgv(`${ip}:${TARGET_PORTS.sharedExporterSidecar}`, `http://127.0.0.1:${TARGET_PORTS.nodeExporter}/`, mounts, mounts.perIdentityConfigFile));
  }

  const p = TARGET_PORTS;
  start('etcd-target', [
    'etcd',
    '--name=e2e-target',
    `--data-dir=${join(dir, 'etcd-data')}`,
    `--listen-client-urls=http://127.0.0.1:${p.etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${p.etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${p.etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${p.etcdPeer}`,
    `--initial-cluster=e2e-target=http://127.0.0.1:${p.etcdPeer}`,
    `--listen-metrics-urls=http://127.0.0.1:${p.etcdMetrics}`,
    '--log-level=warn',
  ]);
  start('etcd-sidecar', sidecarArgv(`${ip}:${p.etcdSidecar}`, `http://127.0.0.1:${p.etcdMetrics}/`, mounts, configFile));

  const ca = mounts.serving.caFile;
  return [
    { name: 'node-app', address: `${ip}:${p.nodeApp}`, servingCaFile: ca, inNamespace: true, reportsVia: true },
    { name: 'node-exporter', address: `${ip}:${p.nodeExporterSidecar}`, servingCaFile: ca, inNamespace: true },
    { name: 'etcd', address: `${ip}:${p.etcdSidecar}`, servingCaFile: ca, inNamespace: true },
    // Scraped by both identities' jobs: the platform's certificate (cert) and the user-workload one's.
    ...(mounts.perIdentityConfigFile ? [{ name: 'shared-exporter' as const, address: `${ip}:${p.sharedExporterSidecar}`, servingCaFile: ca, inNamespace: true, paths: ['cert', 'user-workload'] as const }] : []),
  ];
}
