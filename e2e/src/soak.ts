// The soak of issue 18 as a library: `npm run soak` (soak-cli.ts) and the short e2e
// (soak.e2e.test.ts) run exactly this. The same real parts as the outage scenario — the local
// control plane, csr-approver and monitoring-operator, the targets in a network namespace, the
// scraper-proxy and Debian's Prometheus — left running for a while: Prometheus scrapes every
// target by certificate at a 1 s interval, directly (in-process target-auth, the target-auth
// sidecar) and through the scraper-proxy; the certificate rotates every few minutes; a client
// loop adds load; faults come on a schedule. Every process is sampled from /proc.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { clusterStatus } from '@certscrape/local-cluster';
import { parseCertificate } from '@certscrape/pkcs';
import type { CleanupStack } from './support/cleanup-stack.js';
import { startController } from './support/controller-processes.js';
import { applyObjects } from './support/apply-manifests.js';
import { grantAuthDelegator } from './support/deploy-identities.js';
import { E2eError } from './support/errors.js';
import { freePort } from './support/free-port.js';
import { startNamespaceTargets } from './support/namespace-targets.js';
import { startNetnsControlPlane } from './support/netns-control-plane.js';
import { ObjectMirror } from './support/object-mirror.js';
import { scrapeCountQueries, windowRange, type PhaseWindow, type ScrapeCount } from './support/phase-window.js';
import { namespaceProcessName, readCmdline, readProcSample } from './support/proc-stats.js';
import { prometheusConfig } from './support/prometheus-config.js';
import { PrometheusServer } from './support/prometheus-server.js';
import { scrapeDirect } from './support/scrape-client.js';
import { CERT_PATHS, scrapeJobs, type TargetName } from './support/scrape-matrix.js';
import { startScraperProxy } from './support/scraper-proxy-process.js';
import { scanLogDir } from './support/secret-scan.js';
import { createServingPki } from './support/serving-pki.js';
import { DISPATCHED_METRIC, METER_FLOW_SCHEMA, meterCount, meterFlowSchema, meterQuery, withMeterJob } from './support/soak-apiserver-meter.js';
import { ScrapeLoad } from './support/soak-load.js';
import { faultSchedule, perHour, processFigures, sumCounts, type FaultRecord, type LoadAverageAt, type ProcSample, type SoakFault, type SoakReport } from './support/soak-report.js';
import { waitFor } from './support/wait-for.js';

/** The scraper identity and the targets' service account, as in the outage scenario (design.md). */
const SCRAPER = Object.freeze({ namespace: 'monitoring', serviceAccount: 'prometheus-k8s', identity: 'system:serviceaccount:monitoring:prometheus-k8s' });
const TARGET_SERVICE_ACCOUNT = Object.freeze({ namespace: 'certscrape-e2e', name: 'metrics-target' });
/** certscrape's identities towards kube-apiserver: the two controllers and the targets' token fallback. */
const CERTSCRAPE_SERVICE_ACCOUNTS = [
  { namespace: 'monitoring', name: 'csr-approver' },
  { namespace: 'monitoring', name: 'monitoring-operator' },
  TARGET_SERVICE_ACCOUNT,
];
/** The targets the client loop adds load to: the in-process target and a sidecar. */
const LOAD_TARGETS: readonly TargetName[] = ['node-app', 'node-exporter'];

/** Options of {@link runSoak}; every default is the long run's. */
export interface SoakOptions {
  readonly workDir: string;
  /** Where soak.json is written. */
  readonly reportPath: string;
  /** Measured seconds, after warm-up. Default 1800. */
  readonly durationS?: number;
  /** Seconds of running before the start figures are taken. Default 120. */
  readonly warmupS?: number;
  /** Prometheus scrape interval (= timeout), seconds. Default 1. */
  readonly intervalSeconds?: number;
  /**
   * kube-controller-manager --cluster-signing-duration. Default 600: the signer backdates 5 min,
   * so a certificate arrives with 5 min left and rotates 3.5–4.5 min later, leaving 30–90 s of
   * validity as the budget for a kube-apiserver outage at the rotation deadline — more than the
   * apiserver-stop fault lasts (faultS plus kube-apiserver's start-up).
   */
  readonly signingDurationSeconds?: number;
  /** One fault every this many seconds. Default 150. */
  readonly faultEveryS?: number;
  /** How long kube-apiserver stays stopped and the route stays cut. Default 10. */
  readonly faultS?: number;
  /** Pause between two client-loop requests, per target. Default 200 ms. */
  readonly loadPeriodMs?: number;
  /** /proc sampling period, seconds. Default 15. */
  readonly sampleEveryS?: number;
  readonly binDir?: string;
  readonly log?: (line: string) => void;
}

/** Runs the soak and writes the report. Everything started is registered on `cleanup`. */
export async function runSoak(options: SoakOptions, cleanup: CleanupStack): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const durationS = options.durationS ?? 1800;
  const warmupS = options.warmupS ?? 120;
  const interval = options.intervalSeconds ?? 1;
  const signing = options.signingDurationSeconds ?? 600;
  const faultEveryS = options.faultEveryS ?? 150;
  const faultS = options.faultS ?? 10;
  const sampleEveryS = options.sampleEveryS ?? 15;
  const work = options.workDir;
  const logs = join(work, 'logs');
  await mkdir(logs, { recursive: true });

  // ---- control plane, identities, the meter FlowSchema, controllers
  const clusterDir = join(work, 'cluster');
  const { plan, ns, cluster, admin, serviceAccountKubeconfig: saKubeconfig } = await startNetnsControlPlane({ workDir: work, signingDurationSeconds: signing, ...(options.binDir ? { binDir: options.binDir } : {}), onProgress: log }, cleanup);
  const apiPort = Number(new URL(cluster.info.server).port);
  await applyObjects(admin, [meterFlowSchema(CERTSCRAPE_SERVICE_ACCOUNTS)], { fieldManager: 'certscrape-soak' });
  const targetKc = await saKubeconfig(TARGET_SERVICE_ACCOUNT.namespace, TARGET_SERVICE_ACCOUNT.name);
  await grantAuthDelegator(admin, TARGET_SERVICE_ACCOUNT);
  const approver = await startController('csrApprover', { kubeconfig: await saKubeconfig('monitoring', 'csr-approver'), logDir: logs }, cleanup);
  const operator = await startController('monitoringOperator', { kubeconfig: await saKubeconfig('monitoring', 'monitoring-operator'), logDir: logs }, cleanup);
  log(`control plane ${cluster.info.server} (signing ${signing}s); csr-approver pid ${approver.process.pid}, monitoring-operator pid ${operator.process.pid}`);

  // ---- the Secret and ConfigMap, mirrored as volumes
  const serials = new Set<string>();
  const certs = await ObjectMirror.start({
    kind: 'Secret',
    namespace: 'monitoring',
    name: 'metrics-client-certs',
    keys: ['tls.crt', 'tls.key'],
    kubeconfig: admin,
    dir: join(work, 'scraper', 'metrics-client-certs'),
    firstTimeoutMs: 120_000,
    onChange: (d) => {
      const serial = parseCertificate(d['tls.crt'] ?? '').serialNumber;
      if (!serials.has(serial)) log(`Secret metrics-client-certs: certificate ${serials.size + 1} (serial ${serial.slice(0, 8)}..)`);
      serials.add(serial);
    },
  });
  cleanup.defer('secret mirror', () => certs.stop(), () => certs.stop());
  const clientCa = await ObjectMirror.start({ kind: 'ConfigMap', namespace: 'monitoring', name: 'metrics-client-ca', keys: ['client-ca.crt'], kubeconfig: admin, dir: join(work, 'targets', 'metrics-client-ca'), firstTimeoutMs: 120_000 });
  cleanup.defer('configmap mirror', () => clientCa.stop(), () => clientCa.stop());
  const pair = (): { certPem: string; keyPem: string } => ({ certPem: certs.current['tls.crt'] ?? '', keyPem: certs.current['tls.key'] ?? '' });

  // ---- targets in the namespace, the scraper-proxy, Prometheus
  const serving = await createServingPki(join(work, 'targets', 'serving'), plan.nsAddress);
  const targets = await startNamespaceTargets(ns, { clientCaFile: clientCa.path('client-ca.crt'), serving, kubeconfig: targetKc, scraperIdentity: SCRAPER.identity }, join(work, 'targets'), cleanup);
  const servingCaPem = await readFile(serving.caFile, 'utf8');
  for (const t of targets) {
    await waitFor(async () => ((await scrapeDirect(t.address, pair(), servingCaPem, 2000)).status === 200 ? true : undefined), { what: `${t.name} answering a certificate scrape`, timeoutMs: 90_000, intervalMs: 500 });
  }
  const upstreamCaFile = join(work, 'scraper', 'upstream-ca.crt');
  await writeFile(upstreamCaFile, servingCaPem);
  const proxy = await startScraperProxy({ certFile: certs.path('tls.crt'), keyFile: certs.path('tls.key'), upstreamCaFile, logDir: logs }, cleanup);
  const credentials = { certFile: certs.path('tls.crt'), keyFile: certs.path('tls.key'), tokenFile: '/dev/null', proxyUrl: proxy.proxyUrl };
  const jobs = scrapeJobs(targets, CERT_PATHS);
  const config = withMeterJob(prometheusConfig({ jobs, credentials, intervalSeconds: interval }), {
    address: `${plan.hostAddress}:${apiPort}`,
    caFile: cluster.info.caFile,
    certFile: credentials.certFile,
    keyFile: credentials.keyFile,
    intervalSeconds: 10,
  });
  const prometheus = await PrometheusServer.start({ dir: join(work, 'prometheus'), port: await freePort(), configYaml: config });
  cleanup.defer('prometheus', () => prometheus.stop(), () => prometheus.process.killSync());
  await waitFor(async () => {
    const up = await prometheus.query('up');
    return up.length === jobs.length + 1 && up.every((s) => s.value === 1) ? true : undefined;
  }, { what: `all ${jobs.length + 1} Prometheus jobs up`, timeoutMs: 120_000, intervalMs: 1000 });
  log(`Prometheus ${prometheus.url}: ${jobs.map((j) => j.job).join(', ')} every ${interval}s, all up; warm-up ${warmupS}s`);

  // ---- the long-lived processes, sampled from /proc
  const fixedPids: Record<string, number> = { 'csr-approver': approver.process.pid, 'monitoring-operator': operator.process.pid, 'scraper-proxy': proxy.process.pid, prometheus: prometheus.process.pid };
  const nsPids = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const pid of await ns.pids()) {
      const name = namespaceProcessName(await readCmdline(pid));
      if (name) out[name] = pid;
    }
    return out;
  };
  const samples: Record<string, ProcSample[]> = {};
  const sampleAll = async (): Promise<void> => {
    const apiserverPid = (await clusterStatus(clusterDir)).processes?.['kube-apiserver'];
    const pids = { ...fixedPids, ...(await nsPids()), ...(apiserverPid?.running ? { 'kube-apiserver': apiserverPid.pid } : {}) };
    const at = Date.now();
    for (const [name, pid] of Object.entries(pids)) {
      const s = await readProcSample(pid, at);
      if (s) (samples[name] ??= []).push(s);
    }
  };
  const loadAverage: LoadAverageAt[] = [];
  const noteLoad = (): void => {
    const [a = 0, b = 0, c = 0] = loadavg();
    loadAverage.push({ at: new Date().toISOString(), loadavg: [a, b, c].map((x) => Math.round(x * 100) / 100) as [number, number, number] });
  };

  const loadTargets = targets.filter((t) => LOAD_TARGETS.includes(t.name));
  const load = ScrapeLoad.start(loadTargets, pair, servingCaPem, options.loadPeriodMs ?? 200);
  cleanup.defer('client loop', () => load.stop());
  await sleep(warmupS * 1000);

  // ---- the measured run: samples, faults on the schedule
  const start = new Date();
  const loadAtStart = load.counts();
  noteLoad();
  await sampleAll();
  const schedule = faultSchedule(durationS, faultEveryS);
  log(`measuring ${durationS}s from ${start.toISOString()}: ${schedule.length} faults (${schedule.map((f) => `${f.fault}@${f.atS}s`).join(', ')}), load average ${loadAverage[0]?.loadavg.join(' ')}`);
  const faults: FaultRecord[] = [];
  const inject = async (fault: SoakFault): Promise<void> => {
    const t0 = Date.now();
    if (fault === 'apiserver-stop') {
      await cluster.stopApiserver();
      await sleep(faultS * 1000);
      await cluster.startApiserver();
    } else if (fault === 'controller-manager-restart') {
      await cluster.restartControllerManager();
    } else {
      await ns.cut(plan.hostAddress, apiPort);
      await sleep(faultS * 1000);
      await ns.restore();
    }
    faults.push({ fault, at: new Date(t0).toISOString(), seconds: Math.round((Date.now() - t0) / 100) / 10 });
    log(`fault ${fault}: ${faults.at(-1)?.seconds}s`);
  };
  const elapsedS = (): number => (Date.now() - start.getTime()) / 1000;
  let next = 0;
  let middleNoted = false;
  let sampledAtS = 0;
  while (elapsedS() < durationS) {
    const due = schedule[next];
    if (due && elapsedS() >= due.atS) {
      next += 1;
      await inject(due.fault);
    }
    if (!middleNoted && elapsedS() >= durationS / 2) {
      middleNoted = true;
      noteLoad();
      log(`half-way: load average ${loadAverage.at(-1)?.loadavg.join(' ')}; certificates so far ${serials.size}`);
    }
    if (elapsedS() - sampledAtS >= sampleEveryS) {
      sampledAtS = elapsedS();
      await sampleAll();
    }
    // Wake for whichever comes first: the next sample, the next fault, half-way, the end.
    const wakeS = Math.min(sampledAtS + sampleEveryS, schedule[next]?.atS ?? durationS, middleNoted ? durationS : durationS / 2, durationS);
    await sleep(Math.max(0, (wakeS - elapsedS()) * 1000));
  }
  await sampleAll();
  noteLoad();
  const end = new Date();
  const loadAtEnd = load.counts();
  await load.stop();
  // The last scrapes that started inside the window are recorded after it.
  await sleep(Math.ceil(interval * 2000));

  // ---- the figures
  const window: PhaseWindow = { start, end };
  const byJob = await countByJob(prometheus, targets.map((t) => t.name), window);
  const certScrapes = sumCounts(Object.values(byJob));
  const failedByTimeout = await countTimeouts(prometheus, window, interval);
  const requests = meterCount(await prometheus.query(meterQuery(windowRange(window)), end));
  if (requests === undefined) throw new E2eError('E2E_ERR_PROMETHEUS', `kube-apiserver reported no ${meterQuery('…')} series for FlowSchema certscrape`);
  const measuredS = Math.round((end.getTime() - start.getTime()) / 1000);
  const loadCounts: Record<string, ScrapeCount> = Object.fromEntries(Object.entries(loadAtEnd).map(([k, v]) => [k, { ok: v.ok - (loadAtStart[k]?.ok ?? 0), total: v.total - (loadAtStart[k]?.total ?? 0) }]));
  const report: SoakReport = {
    durationS: measuredS,
    certScrapes,
    processes: Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, processFigures(s)])),
    apiserverRequestsPerHour: perHour(requests, measuredS),
    detail: {
      startedAt: start.toISOString(),
      endedAt: end.toISOString(),
      warmupS,
      intervalSeconds: interval,
      signingDurationSeconds: signing,
      certScrapesByJob: byJob,
      failedByTimeout,
      load: { byTarget: loadCounts, errors: load.errors },
      certificates: serials.size,
      faults,
      apiserverRequests: {
        count: requests,
        readings: Math.floor(measuredS / 10),
        method: `increase(${DISPATCHED_METRIC}{flowSchema="${METER_FLOW_SCHEMA}"}) over the window, scraped from kube-apiserver every 10 s; FlowSchema certscrape matches the service accounts ${CERTSCRAPE_SERVICE_ACCOUNTS.map((s) => `${s.namespace}/${s.name}`).join(', ')}; watches bypass APF in 1.20 and are not counted`,
      },
      loadAverage,
    },
  };
  const leaks = scanLogDir(logs);
  if (leaks.length) throw new E2eError('E2E_ERR_ASSERTION', `secret material in logs: ${leaks.map((l) => `${l.what} in ${l.where}`).join('; ')}`);
  await mkdir(dirname(options.reportPath), { recursive: true });
  await writeFile(options.reportPath, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** Certificate scrapes per job (`<target>/<path>`) in the window, by Prometheus's own count of `up`. */
async function countByJob(prometheus: PrometheusServer, targets: readonly TargetName[], window: PhaseWindow): Promise<Record<string, ScrapeCount>> {
  const q = scrapeCountQueries(CERT_PATHS, targets, window, ['target', 'path']);
  const ok = await prometheus.query(q.ok, window.end);
  const total = await prometheus.query(q.total, window.end);
  const key = (m: Readonly<Record<string, string>>): string => `${m.target}/${m.path}`;
  return Object.fromEntries(total.map((t) => [key(t.metric), { ok: ok.find((o) => key(o.metric) === key(t.metric))?.value ?? 0, total: t.value }]));
}

/** Failed certificate scrapes that took the whole timeout (the machine was too slow), from the raw samples. */
async function countTimeouts(prometheus: PrometheusServer, window: PhaseWindow, timeoutS: number): Promise<number> {
  const range = `{path=~"${CERT_PATHS.join('|')}"}[${windowRange(window)}]`;
  const up = await prometheus.samples(`up${range}`, window.end);
  const failedAt = new Set(up.flatMap((s) => s.samples.filter(([, v]) => v === 0).map(([t]) => `${s.metric.job}@${t}`)));
  if (failedAt.size === 0) return 0;
  const durations = await prometheus.samples(`scrape_duration_seconds${range}`, window.end);
  return durations.reduce((n, s) => n + s.samples.filter(([t, v]) => failedAt.has(`${s.metric.job}@${t}`) && v >= timeoutS * 0.95).length, 0);
}
