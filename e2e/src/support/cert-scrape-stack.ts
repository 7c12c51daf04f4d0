// The parts every certificate-scraping e2e stands on, started in one call on a control plane
// from startNetnsControlPlane (network namespace, kube-apiserver on the host side of the veth
// pair, deploy/'s identities): csr-approver (one or more replicas) and monitoring-operator on their
// own service-account tokens, Secret metrics-client-certs and ConfigMap metrics-client-ca mirrored
// as volumes (the kubelet's part), the namespace targets reading that client CA file, optionally
// kube-apiserver itself as a target (it checks client certificates against its own
// --client-ca-file), the scraper-proxy, and a real Prometheus scraping every target by
// certificate, directly and through the proxy.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CleanupStack } from './cleanup-stack.js';
import { startController, type RunningController } from './controller-processes.js';
import { grantAuthDelegator } from './deploy-identities.js';
import { freePort } from './free-port.js';
import { startNamespaceTargets } from './namespace-targets.js';
import type { NetnsControlPlane } from './netns-control-plane.js';
import { ObjectMirror } from './object-mirror.js';
import { prometheusConfig } from './prometheus-config.js';
import { PrometheusServer } from './prometheus-server.js';
import { scrapeDirect } from './scrape-client.js';
import { CERT_PATHS, scrapeJobs, type ScrapeJob, type ScrapeTarget } from './scrape-matrix.js';
import { startScraperProxy } from './scraper-proxy-process.js';
import { createServingPki } from './serving-pki.js';
import { waitFor } from './wait-for.js';

/** The scraper identity (design.md) the certificate is issued for. */
export const STACK_SCRAPER = Object.freeze({ namespace: 'monitoring', serviceAccount: 'prometheus-k8s', identity: 'system:serviceaccount:monitoring:prometheus-k8s' });
/** The targets' own service account (their token fallback). */
const TARGET_SERVICE_ACCOUNT = Object.freeze({ namespace: 'certscrape-e2e', name: 'metrics-target' });

/** Options of {@link startCertScrapeStack}. */
export interface CertScrapeStackOptions {
  readonly workDir: string;
  /** Prometheus scrape interval (= timeout), seconds. */
  readonly intervalSeconds: number;
  /** csr-approver processes started. Default 1. */
  readonly approverReplicas?: number;
  /** Extra flags of csr-approver (e.g. leader election for several replicas; the default is --leader-elect=false). */
  readonly approverArgs?: readonly string[];
  /** Extra flags of monitoring-operator. */
  readonly operatorArgs?: readonly string[];
  /** Scrape kube-apiserver too, beside the namespace targets. Default true. */
  readonly apiserverTarget?: boolean;
  readonly log?: (line: string) => void;
}

/** Everything started, for the scenario to drive and observe. */
export interface CertScrapeStack extends NetnsControlPlane {
  /** The csr-approver replicas started with the stack. */
  readonly approvers: readonly RunningController[];
  /** The monitoring-operator started with the stack. */
  readonly operator: RunningController;
  /** Starts one more csr-approver with the stack's kubeconfig and flags (a replacement replica). */
  startApprover(): Promise<RunningController>;
  /** Starts one more monitoring-operator with the stack's kubeconfig and flags (a restart). */
  startOperator(): Promise<RunningController>;
  readonly certs: ObjectMirror;
  readonly clientCa: ObjectMirror;
  /** The namespace targets, and kube-apiserver unless left out. */
  readonly targets: readonly ScrapeTarget[];
  readonly jobs: readonly ScrapeJob[];
  readonly prometheus: PrometheusServer;
  /** The pair in the Secret's volume now. */
  pair(): { certPem: string; keyPem: string };
  /** The serving CA of `target` (PEM). */
  servingCaPem(target: ScrapeTarget): string;
  /** The directory process logs go to (scanned for secrets by the caller). */
  readonly logDir: string;
}

/** Starts the stack on `cp`; resolves once Prometheus has every job up. Everything is registered on `cleanup`. */
export async function startCertScrapeStack(cp: NetnsControlPlane, options: CertScrapeStackOptions, cleanup: CleanupStack): Promise<CertScrapeStack> {
  const log = options.log ?? (() => undefined);
  const work = options.workDir;
  const logDir = join(work, 'logs');
  await mkdir(logDir, { recursive: true });
  const { plan, ns, cluster, admin } = cp;

  const targetKc = await cp.serviceAccountKubeconfig(TARGET_SERVICE_ACCOUNT.namespace, TARGET_SERVICE_ACCOUNT.name);
  await grantAuthDelegator(admin, TARGET_SERVICE_ACCOUNT);
  const approverKc = await cp.serviceAccountKubeconfig('monitoring', 'csr-approver');
  const operatorKc = await cp.serviceAccountKubeconfig('monitoring', 'monitoring-operator');
  const startApprover = (): Promise<RunningController> => startController('csrApprover', { kubeconfig: approverKc, logDir, extraArgs: options.approverArgs ?? [] }, cleanup);
  const startOperator = (): Promise<RunningController> => startController('monitoringOperator', { kubeconfig: operatorKc, logDir, extraArgs: options.operatorArgs ?? [] }, cleanup);
  const approvers: RunningController[] = [];
  for (let i = 0; i < (options.approverReplicas ?? 1); i++) approvers.push(await startApprover());
  const operator = await startOperator();
  log(`control plane ${cluster.info.server}; ${approvers.length} csr-approver (${(options.approverArgs ?? []).join(' ') || 'default flags'}) and monitoring-operator (${(options.operatorArgs ?? []).join(' ') || 'default flags'}) started`);

  const { certs, clientCa, pair } = await mirrorScraperVolumes({ admin, workDir: work }, cleanup);

  const serving = await createServingPki(join(work, 'targets', 'serving'), plan.nsAddress);
  const nsTargets = await startNamespaceTargets(ns, { clientCaFile: clientCa.path('client-ca.crt'), serving, kubeconfig: targetKc, scraperIdentity: STACK_SCRAPER.identity }, join(work, 'targets'), cleanup);
  const apiserver: ScrapeTarget = {
    name: 'kube-apiserver',
    address: `${plan.hostAddress}:${new URL(cluster.info.server).port}`,
    servingCaFile: cluster.info.caFile,
    inNamespace: false,
    // Its own /metrics is megabytes: scraped less often so a slow scrape is not a timeout.
    intervalSeconds: Math.max(3, options.intervalSeconds * 3),
  };
  const targets = options.apiserverTarget === false ? nsTargets : [...nsTargets, apiserver];
  const servingCa = await readFile(serving.caFile, 'utf8');
  const clusterCa = await readFile(cluster.info.caFile, 'utf8');
  const servingCaPem = (t: ScrapeTarget): string => (t.servingCaFile === cluster.info.caFile ? clusterCa : servingCa);
  for (const t of targets) {
    await waitFor(async () => ((await scrapeDirect(t.address, pair(), servingCaPem(t), 5000)).status === 200 ? true : undefined), { what: `${t.name} answering a certificate scrape`, timeoutMs: 90_000, intervalMs: 500 });
  }

  const upstreamCaFile = join(work, 'scraper', 'upstream-ca.crt');
  await writeFile(upstreamCaFile, `${servingCa.trim()}\n${clusterCa.trim()}\n`);
  const proxy = await startScraperProxy({ certFile: certs.path('tls.crt'), keyFile: certs.path('tls.key'), upstreamCaFile, logDir }, cleanup);
  const jobs = scrapeJobs(targets, CERT_PATHS);
  const config = prometheusConfig({ jobs, credentials: { certFile: certs.path('tls.crt'), keyFile: certs.path('tls.key'), tokenFile: '/dev/null', proxyUrl: proxy.proxyUrl }, intervalSeconds: options.intervalSeconds });
  const prometheus = await PrometheusServer.start({ dir: join(work, 'prometheus'), port: await freePort(), configYaml: config });
  cleanup.defer('prometheus', () => prometheus.stop(), () => prometheus.process.killSync());
  await waitFor(
    async () => {
      const up = await prometheus.query('up');
      return up.length === jobs.length && up.every((s) => s.value === 1) ? true : undefined;
    },
    { what: `all ${jobs.length} Prometheus jobs up`, timeoutMs: 120_000, intervalMs: 1000 },
  );
  log(`Prometheus ${prometheus.url}: ${jobs.map((j) => j.job).join(', ')}, all up`);
  return { ...cp, approvers, operator, startApprover, startOperator, certs, clientCa, targets, jobs, prometheus, pair, servingCaPem, logDir };
}

/** The platform identity's volumes, mirrored as the kubelet would: what {@link mirrorScraperVolumes} started. */
export interface ScraperVolumes {
  /** Secret monitoring/metrics-client-certs, under `<workDir>/scraper/metrics-client-certs`. */
  readonly certs: ObjectMirror;
  /** ConfigMap monitoring/metrics-client-ca, under `<workDir>/targets/metrics-client-ca`. */
  readonly clientCa: ObjectMirror;
  /** The pair in the Secret's volume now. */
  pair(): { certPem: string; keyPem: string };
}

/** Mirrors Secret metrics-client-certs (the scraper's volume) and ConfigMap metrics-client-ca (the targets'); both registered on `cleanup`. */
export async function mirrorScraperVolumes(
  options: { readonly admin: string; readonly workDir: string; readonly onCertChange?: (data: Readonly<Record<string, string>>) => void; readonly firstTimeoutMs?: number },
  cleanup: CleanupStack,
): Promise<ScraperVolumes> {
  const firstTimeoutMs = options.firstTimeoutMs ?? 120_000;
  const certs = await ObjectMirror.start({
    kind: 'Secret',
    namespace: 'monitoring',
    name: 'metrics-client-certs',
    keys: ['tls.crt', 'tls.key'],
    kubeconfig: options.admin,
    dir: join(options.workDir, 'scraper', 'metrics-client-certs'),
    firstTimeoutMs,
    ...(options.onCertChange ? { onChange: options.onCertChange } : {}),
  });
  cleanup.defer('secret mirror', () => certs.stop(), () => certs.stop());
  const clientCa = await ObjectMirror.start({ kind: 'ConfigMap', namespace: 'monitoring', name: 'metrics-client-ca', keys: ['client-ca.crt'], kubeconfig: options.admin, dir: join(options.workDir, 'targets', 'metrics-client-ca'), firstTimeoutMs });
  cleanup.defer('configmap mirror', () => clientCa.stop(), () => clientCa.stop());
  return { certs, clientCa, pair: () => ({ certPem: certs.current['tls.crt'] ?? '', keyPem: certs.current['tls.key'] ?? '' }) };
}
