// The scenario of issue 9 as a library: the vitest e2e test and the `npm run demo` narrator both
// run exactly this. Every part is real and driven as a black box: the local control plane, the
// csr-approver and monitoring-operator processes, the targets in a network namespace, the
// scraper-proxy, and Debian's Prometheus.
import { scanLogDir } from './support/secret-scan.js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { formatName, parseCertificate } from '@certscrape/pkcs';
import { readDelegationRequestCounts, type DelegationRequestCounts } from './support/apiserver-requests.js';
import type { CleanupStack } from './support/cleanup-stack.js';
import { startController } from './support/controller-processes.js';
import { CsrRecorder } from './support/csr-recorder.js';
import { DEPLOY_DIR } from './support/apply-manifests.js';
import { grantAuthDelegator } from './support/deploy-identities.js';
import { E2eError } from './support/errors.js';
import { freePort } from './support/free-port.js';
import { readKubeconfigCredentials } from './support/kubeconfig-credentials.js';
import { startNamespaceTargets } from './support/namespace-targets.js';
import { startControllerManagerTargets } from './support/controller-manager-targets.js';
import { controllerManagerVerdicts } from './support/controller-manager-verdicts.js';
import { netnsPlan } from './support/network-namespace.js';
import { startNetnsControlPlane } from './support/netns-control-plane.js';
import { mirrorScraperVolumes } from './support/cert-scrape-stack.js';
import { ObjectMirror } from './support/object-mirror.js';
import { windowRange, type PhaseWindow, type ScrapeCount } from './support/phase-window.js';
import { prometheusConfig, type ScraperCredentials } from './support/prometheus-config.js';
import { PrometheusServer } from './support/prometheus-server.js';
import { verdicts, writeReport, type E2eReport, type IdentityReport, type Verdict } from './support/report.js';
import { writeReportPicture } from './support/report-html-file.js';
import { countScrapesByJobIn, countScrapesIn, phaseKey, phaseWindow, type TimelineMarker, type TimelinePhase, type UpTimeline } from './support/up-timeline.js';
import { countDisagreements, prometheusGraphUrl, readSerialChangeMarkers, readUpTimeline } from './support/up-timeline-query.js';
import { scrapeDirect, scrapeViaProxy, type ScrapeResult } from './support/scrape-client.js';
import { CERT_PATHS, scrapeJobs, selector, type ScrapePath, type ScrapeTarget, type TargetName } from './support/scrape-matrix.js';
import type { CountCheck } from './support/up-timeline-query.js';
import { startScraperProxy } from './support/scraper-proxy-process.js';
import { createServingPki } from './support/serving-pki.js';
import { waitFor } from './support/wait-for.js';

/** The scraper identity (design.md) and where its credentials live. */
export const SCRAPER = Object.freeze({ namespace: 'monitoring', serviceAccount: 'prometheus-k8s', identity: 'system:serviceaccount:monitoring:prometheus-k8s' });
/**
 * The second scraper identity (issue 17): a user-workload Prometheus in its own namespace, its certificate in
 * its own Secret there. The platform identity is {@link SCRAPER}, its Secret monitoring/metrics-client-certs.
 */
export const USER_WORKLOAD = Object.freeze({
  namespace: 'monitoring-user-workload',
  serviceAccount: 'prometheus-user-workload',
  identity: 'system:serviceaccount:monitoring-user-workload:prometheus-user-workload',
  secret: 'metrics-client-certs',
});
/** The target both identities scrape; its rules (the deploy sample) admit the platform on every path, the user-workload identity on /metrics only. */
export const PER_IDENTITY_RULES_FILE = join(DEPLOY_DIR, 'samples', 'target-auth-rules', 'per-identity.yaml');
/** The path on the shared target that only the platform identity may read (node-exporter answers its landing page there). */
export const PLATFORM_ONLY_PATH = '/';
/** The targets' own service account (token fallback: TokenReview/SubjectAccessReview). E2e-only. */
export const TARGET_SERVICE_ACCOUNT = Object.freeze({ namespace: 'certscrape-e2e', name: 'metrics-target' });

/** One of the nine steps of issue 9. */
export interface ScenarioStep {
  readonly n: number;
  readonly title: string;
  /** What the step proves, in one sentence for a newcomer. */
  readonly proves: string;
}

/** `up` of every job at one instant: key `<target>/<path>`. */
export type UpSnapshot = Readonly<Record<string, number>>;

/** What the scenario tells its narrator. All optional. */
export interface ScenarioEvents {
  step?(step: ScenarioStep): void;
  /** A fact established within the current step. */
  detail?(line: string): void;
  /** Prometheus's `up` per job, sampled during a phase. */
  up?(phase: 'baseline' | 'cut' | 'apiserver down' | 'rotation', snapshot: UpSnapshot): void;
  /** Control-plane provisioning progress (first run builds kube binaries). */
  progress?(line: string): void;
}

/** Options of {@link runScenario}. */
export interface ScenarioOptions {
  /** Scratch directory (created if missing); everything the scenario writes goes here. */
  readonly workDir: string;
  /** Where latest.json is written. */
  readonly reportPath: string;
  /** Prometheus scrape interval (= timeout) in seconds. Default 2 (a 1 s timeout is too tight on a busy 2-core machine). */
  readonly intervalSeconds?: number;
  /**
   * kube-controller-manager --cluster-signing-duration. Default 600 s: the 1.20 signer backdates
   * NotBefore by 5 minutes, so a certificate arrives with ~5 minutes left and the operator
   * rotates it 3.5–4.5 minutes after issuance — inside the run, after the outage phases, with a
   * minute to spare even when kube-apiserver is slow to come back.
   */
  readonly signingDurationSeconds?: number;
  /** Minimum scrapes per certificate job in each phase. Default 10. */
  readonly minScrapesPerJob?: number;
  /** Fixed number of scrapes per target and path in the load step. Default 10. */
  readonly loadScrapesPerTarget?: number;
  /** Prebuilt kube binaries (CERTSCRAPE_K8S_BIN_DIR). */
  readonly binDir?: string;
  readonly events?: ScenarioEvents;
}

/** What a user would check afterwards, besides the report. */
export interface ScenarioOutcome {
  readonly report: E2eReport;
  readonly verdicts: readonly Verdict[];
  readonly reportPath: string;
  /** latest.html beside latest.json: the run drawn from the same `up` samples. */
  readonly htmlPath: string;
  /** Every `up` sample of the run, the phases and the markers (what the report was counted from). */
  readonly timeline: UpTimeline;
  /** Prometheus UI, still running until the cleanup stack runs. */
  readonly prometheusUrl: string;
  /** The Prometheus graph page showing the same series (`up` per job, one panel per path) over the run. */
  readonly prometheusGraphUrl: string;
  /** The first issued certificate, as read from Secret metrics-client-certs. */
  readonly issued: { readonly subject: string; readonly issuer: string; readonly serial: string; readonly notAfter: Date; readonly csr: string; readonly approval: string };
  /** Serials of every pair the Secret held during the run, in order. */
  readonly serials: readonly string[];
  /** The second identity: the first certificate of its own Secret, and every serial that Secret held. */
  readonly userWorkload: { readonly secret: string; readonly subject: string; readonly serials: readonly string[] };
  /**
   * Direct GETs of {@link PLATFORM_ONLY_PATH} on the shared target with each identity's certificate while the
   * namespace was cut off (`cut`) and while kube-apiserver was down (`apiserverDown`): HTTP status -> count, per username.
   */
  readonly perIdentityProbes: Readonly<Record<'cut' | 'apiserverDown', Readonly<Record<string, Readonly<Record<string, number>>>>>>;
  readonly namespace: string;
  readonly apiserver: string;
  /** curl from inside the namespace to kube-apiserver /readyz, before and during the cut. */
  readonly route: { readonly beforeCut: { reached: boolean; detail: string }; readonly duringCut: { reached: boolean; detail: string } };
}

const NAMESPACE_TARGETS: readonly TargetName[] = ['node-app', 'node-exporter', 'etcd'];
/** The target both identities scrape (behind the cut, not in the headline numbers). */
const SHARED_TARGET: TargetName = 'shared-exporter';
/** The paths whose scrape counts decide when a phase has lasted long enough: both identities' certificate jobs. */
const OBSERVED_PATHS: readonly ScrapePath[] = [...CERT_PATHS, 'user-workload'];
/** What each identity's report counts: its own certificate jobs (the platform's on every namespace target, the user-workload one's on the shared target). */
const IDENTITY_JOBS: Readonly<Record<string, { readonly paths: readonly ScrapePath[]; readonly targets: readonly TargetName[] }>> = {
  [SCRAPER.identity]: { paths: CERT_PATHS, targets: [...NAMESPACE_TARGETS, SHARED_TARGET] },
  [USER_WORKLOAD.identity]: { paths: ['user-workload'], targets: [SHARED_TARGET] },
};
/**
 * Targets whose token path asks kube-apiserver on every scrape: the Node service, configured
 * without a token cache. certscrape-target-auth (like kube-rbac-proxy) caches a successful
 * TokenReview for 2 minutes and offers no flag to change that, so its token scrapes survive a cut
 * shorter than that and cost less than one review per scrape; they are reported per target in
 * `targets`, not in the control group's headline numbers.
 */
export const TOKEN_CONTROL_TARGETS: readonly TargetName[] = ['node-app', 'node-exporter', 'etcd'];
const ALL_TARGETS: readonly TargetName[] = [...NAMESPACE_TARGETS, 'kube-apiserver'];
/** The outage phases last until these have enough certificate scrapes: the namespace targets and the kube-controller-manager behind the sidecar. */
const OUTAGE_TARGETS: readonly TargetName[] = [...NAMESPACE_TARGETS, 'kube-controller-manager', SHARED_TARGET];

function serialOf(pem: string): string {
  return parseCertificate(pem).serialNumber.toLowerCase().replace(/^0+/, '');
}

/**
 * Runs steps 1–9 of issue 9 and writes the report. Everything started is registered on
 * `cleanup` (the caller runs it in `finally`, or later for `--keep`).
 */
export async function runScenario(options: ScenarioOptions, cleanup: CleanupStack): Promise<ScenarioOutcome> {
  const ev = options.events ?? {};
  const interval = options.intervalSeconds ?? 2;
  const minScrapes = options.minScrapesPerJob ?? 10;
  const loadN = options.loadScrapesPerTarget ?? 10;
  const signing = options.signingDurationSeconds ?? 600;
  const work = options.workDir;
  const logs = join(work, 'logs');
  await mkdir(logs, { recursive: true });
  const step = (n: number, title: string, proves: string): void => ev.step?.({ n, title, proves });
  const detail = (line: string): void => ev.detail?.(line);

  // ---- 1. control plane reachable from a network namespace; identities from deploy/; controllers
  const plan = netnsPlan(process.pid);
  step(1, 'Control plane + controllers', `real etcd, kube-apiserver, kube-controller-manager; apiserver on ${plan.hostAddress} = the only route from netns ${plan.name}`);
  await assertRulesNameBothIdentities();
  const { ns, cluster, admin, deployed, serviceAccountKubeconfig: saKubeconfig } = await startNetnsControlPlane(
    { workDir: work, plan, signingDurationSeconds: signing, ...(options.binDir ? { binDir: options.binDir } : {}), ...(ev.progress ? { onProgress: ev.progress } : {}) },
    cleanup,
  );
  const api = new URL(cluster.info.server);
  const apiPort = Number(api.port);
  assertIdentitiesFile(deployed.identitiesFile);
  detail(`kube-apiserver ${cluster.info.server}; deploy/ (base, bare-cluster, user-workload): applied ${deployed.applied.length} namespaces, service accounts, RBAC objects`);
  const approverKc = await saKubeconfig('monitoring', 'csr-approver');
  const operatorKc = await saKubeconfig('monitoring', 'monitoring-operator');
  const scraperKc = await saKubeconfig(SCRAPER.namespace, SCRAPER.serviceAccount);
  const targetKc = await saKubeconfig(TARGET_SERVICE_ACCOUNT.namespace, TARGET_SERVICE_ACCOUNT.name);
  await grantAuthDelegator(admin, TARGET_SERVICE_ACCOUNT);
  const csrs = new CsrRecorder(admin);
  await csrs.poll(); // the watch is open before any controller can create a CSR
  cleanup.defer('csr recorder', () => csrs.stop(), () => csrs.stop());
  // Both controllers read the same identities file, the one deploy/components/user-workload ships: the platform
  // identity and the user-workload one, each with its own Secret.
  const identitiesFile = join(work, 'identities.yaml');
  await writeFile(identitiesFile, deployed.identitiesFile);
  await startController('csrApprover', { kubeconfig: approverKc, logDir: logs, extraArgs: [`--identities-file=${identitiesFile}`] }, cleanup);
  await startController('monitoringOperator', { kubeconfig: operatorKc, logDir: logs, extraArgs: [`--identities-file=${identitiesFile}`] }, cleanup);
  detail(`identities (${identitiesFile}): ${SCRAPER.identity} -> monitoring/metrics-client-certs, ${USER_WORKLOAD.identity} -> ${USER_WORKLOAD.namespace}/${USER_WORKLOAD.secret}`);

  // ---- 2. the Secret and the ConfigMap
  step(2, 'Certificate issued', 'monitoring-operator and csr-approver (own SA tokens) + the real CSR API and signer -> Secret');
  const serials: string[] = [];
  const serialSeenAt: number[] = []; // when the mirror saw each publication (the rotation moment)
  const { certs, clientCa, pair } = await mirrorScraperVolumes(
    {
      admin,
      workDir: work,
      firstTimeoutMs: 90_000,
      onCertChange: (d) => {
        serials.push(serialOf(d['tls.crt'] ?? ''));
        serialSeenAt.push(Date.now());
      },
    },
    cleanup,
  );
  const uwSerials: string[] = [];
  const uwCerts = await ObjectMirror.start({
    kind: 'Secret',
    namespace: USER_WORKLOAD.namespace,
    name: USER_WORKLOAD.secret,
    keys: ['tls.crt', 'tls.key'],
    kubeconfig: admin,
    dir: join(work, 'scraper', 'user-workload-certs'),
    firstTimeoutMs: 90_000,
    onChange: (d) => void uwSerials.push(serialOf(d['tls.crt'] ?? '')),
  });
  cleanup.defer('user-workload secret mirror', () => uwCerts.stop(), () => uwCerts.stop());
  const uwSubject = formatName(parseCertificate(uwCerts.current['tls.crt'] ?? '').subject);
  const issuedCert = parseCertificate(certs.current['tls.crt'] ?? '');
  await csrs.poll();
  const first = csrs.all.find((c) => c.conditions.includes('Approved'));
  const csr = first
    ? { name: first.name, approval: `Approved (${first.decisionReason ?? 'no reason'}) for requester ${first.requester}, signer ${first.signerName}`, requester: first.requester, reason: first.decisionReason ?? '' }
    : { name: '(not observed)', approval: 'not observed: the CSR was used and deleted between two polls', requester: '?', reason: '' };
  const issued = {
    subject: formatName(issuedCert.subject),
    issuer: formatName(issuedCert.issuer),
    serial: serialOf(issuedCert.pem),
    notAfter: issuedCert.notAfter,
    csr: csr.name,
    approval: csr.approval,
  };
  detail(`CSR ${csr.name} from ${csr.requester}: ${first ? `Approved (${csr.reason})` : csr.approval}`);
  detail(`Secret metrics-client-certs: ${issued.subject}, expires ${issued.notAfter.toISOString().slice(11, 19)}Z`);
  detail(`Secret ${USER_WORKLOAD.namespace}/${USER_WORKLOAD.secret}: ${uwSubject}`);

  // ---- 3. targets inside the namespace
  step(3, 'Targets in the network namespace', 'Node service with @certscrape/target-auth; node-exporter, etcd, kube-controller-manager behind the target-auth sidecar; a stock kube-controller-manager (control)');
  const serving = await createServingPki(join(work, 'targets', 'serving'), plan.nsAddress);
  const nsTargets = await startNamespaceTargets(
    ns,
    { clientCaFile: clientCa.path('client-ca.crt'), serving, kubeconfig: targetKc, scraperIdentity: SCRAPER.identity, perIdentityConfigFile: PER_IDENTITY_RULES_FILE },
    join(work, 'targets'),
    cleanup,
  );
  const scraperToken = (await readKubeconfigCredentials(scraperKc)).token;
  if (!scraperToken) throw new E2eError('E2E_ERR_KUBE', `no token in ${scraperKc}`);
  const servingCaPem = await readFile(serving.caFile, 'utf8');
  const uwPair = (): { certPem: string; keyPem: string } => ({ certPem: uwCerts.current['tls.crt'] ?? '', keyPem: uwCerts.current['tls.key'] ?? '' });
  for (const t of nsTargets) {
    await waitFor(async () => ((await scrapeDirect(t.address, pair(), servingCaPem, 2000)).status === 200 ? true : undefined), { what: `${t.name} answering a certificate scrape`, timeoutMs: 60_000, intervalMs: 500 });
    if (t.paths?.includes('user-workload')) {
      await waitFor(async () => ((await scrapeDirect(t.address, uwPair(), servingCaPem, 2000)).status === 200 ? true : undefined), { what: `${t.name} answering the user-workload identity`, timeoutMs: 60_000, intervalMs: 500 });
    }
    if (t.paths && !t.paths.includes('token')) continue;
    const withToken = await scrapeDirect(t.address, { token: scraperToken }, servingCaPem);
    if (withToken.status !== 200) throw new E2eError('E2E_ERR_ASSERTION', `${t.name}: token scrape before the cut gave ${withToken.status} ${withToken.error ?? ''}`);
  }
  detail(`${nsTargets.map((t) => `${t.name} :${t.address.split(':')[1]}`).join(', ')} on ${plan.nsAddress}; certificate and token both accepted`);
  // The seed's control-plane target (issue 16): the real kube-controller-manager, in the namespace.
  const kcmTargets = await startControllerManagerTargets(
    ns,
    { clientCaFile: clientCa.path('client-ca.crt'), serving, kubeconfig: targetKc, scraperIdentity: SCRAPER.identity },
    { binDir: cluster.info.binDir, kubeconfig: admin },
    join(work, 'targets', 'kube-controller-manager'),
    cleanup,
  );
  for (const t of kcmTargets) {
    const credential = t.paths?.includes('cert') ? pair : () => ({ token: scraperToken });
    await waitFor(async () => ((await scrapeDirect(t.address, credential(), servingCaPem, 5000)).status === 200 ? true : undefined), { what: `${t.name} answering a ${t.paths?.join('/')} scrape`, timeoutMs: 90_000, intervalMs: 1000 });
  }
  detail(`kube-controller-manager on 127.0.0.1 behind the sidecar :${kcmTargets[0]?.address.split(':')[1]} (https upstream, its own serving CA); stock kube-controller-manager :${kcmTargets[1]?.address.split(':')[1]} (token, SubjectAccessReview)`);

  // ---- 4. Prometheus scraping every target three ways
  step(4, 'Prometheus scrapes 3 ways', 'c: cert_file/key_file, p: cert via scraper-proxy (proxy_url), t: bearer token (control)');
  const scraperDir = join(work, 'scraper');
  const tokenFile = join(scraperDir, 'token');
  await writeFile(tokenFile, scraperToken, { mode: 0o600 });
  const upstreamCaFile = join(scraperDir, 'upstream-ca.crt');
  await writeFile(upstreamCaFile, `${servingCaPem.trim()}\n${(await readFile(cluster.info.caFile, 'utf8')).trim()}\n`);
  const proxy = await startScraperProxy({ certFile: certs.path('tls.crt'), keyFile: certs.path('tls.key'), upstreamCaFile, logDir: logs }, cleanup);
  // kube-apiserver's own /metrics is megabytes: scraped less often so a slow scrape is not a timeout.
  const apiserverTarget: ScrapeTarget = {
    name: 'kube-apiserver',
    address: `${plan.hostAddress}:${apiPort}`,
    servingCaFile: cluster.info.caFile,
    inNamespace: false,
    intervalSeconds: Math.max(3, interval * 3),
  };
  const targets = [...nsTargets, ...kcmTargets, apiserverTarget];
  const credentials: ScraperCredentials = {
    certFile: certs.path('tls.crt'),
    keyFile: certs.path('tls.key'),
    tokenFile,
    proxyUrl: proxy.proxyUrl,
    userWorkload: { certFile: uwCerts.path('tls.crt'), keyFile: uwCerts.path('tls.key') },
  };
  const fullConfig = prometheusConfig({ jobs: scrapeJobs(targets), credentials, intervalSeconds: interval });
  const runStartMs = Date.now();
  const prometheus = await PrometheusServer.start({ dir: join(work, 'prometheus'), port: await freePort(), configYaml: fullConfig });
  cleanup.defer('prometheus', () => prometheus.stop(), () => prometheus.process.killSync());
  const jobCount = scrapeJobs(targets).length;
  await waitFor(
    async () => {
      const up = await upSnapshot(prometheus);
      const values = Object.values(up);
      return values.length === jobCount && values.every((v) => v === 1) ? up : undefined;
    },
    { what: `all ${jobCount} Prometheus jobs up`, timeoutMs: 90_000, intervalMs: 500 },
  );
  detail(`Prometheus ${prometheus.url}: ${jobCount} jobs (${NAMESPACE_TARGETS.length + 1} targets x c, p, t; kube-controller-manager c, stock t; ${SHARED_TARGET} c + u: the two identities), all up`);
  ev.up?.('baseline', await upSnapshot(prometheus));

  // A phase holds a condition while Prometheus keeps scraping; samples with timestamps inside
  // [start, end] count. The condition stays in force a little past `end` so no scrape that
  // started inside the window completes after the condition was lifted.
  const settleMs = Math.ceil(interval * 1500);
  const phases: TimelinePhase[] = []; // every observed window: the picture's bands, the report's phases
  const markers: TimelineMarker[] = [];
  // The shared target's platform-only path, asked with each identity's certificate on every tick of the outage phases.
  const perIdentityProbes: Record<'cut' | 'apiserverDown', Record<string, Record<string, number>>> = { cut: {}, apiserverDown: {} };
  const probePlatformOnlyPath = async (into: Record<string, Record<string, number>>): Promise<void> => {
    const shared = nsTargets.find((t) => t.name === SHARED_TARGET);
    if (!shared) throw new E2eError('E2E_ERR_ASSERTION', `no ${SHARED_TARGET} target`);
    for (const [username, credential] of [[SCRAPER.identity, pair()], [USER_WORKLOAD.identity, uwPair()]] as const) {
      const { status } = await scrapeDirect(shared.address, credential, servingCaPem, 5000, PLATFORM_ONLY_PATH);
      const counts = (into[username] ??= {});
      counts[String(status)] = (counts[String(status)] ?? 0) + 1;
    }
  };
  const observe = async (
    phase: 'baseline' | 'cut' | 'apiserver down' | 'rotation',
    jobsTargets: readonly TargetName[],
    extraUntil?: () => Promise<boolean>,
    maxMs = (minScrapes * interval + 60) * 1000,
  ): Promise<PhaseWindow> => {
    await sleep(settleMs);
    const start = new Date();
    for (;;) {
      if (Date.now() - start.getTime() > maxMs) {
        throw new E2eError('E2E_ERR_TIMEOUT', `phase "${phase}" did not complete within ${Math.round(maxMs / 1000)}s (Prometheus \`up\`: ${JSON.stringify(await upSnapshot(prometheus))}; Secret publications: ${serials.length})`);
      }
      await sleep(Math.max(1000, interval * 2000));
      ev.up?.(phase, await upSnapshot(prometheus));
      if (phase === 'cut' || phase === 'apiserver down') await probePlatformOnlyPath(perIdentityProbes[phase === 'cut' ? 'cut' : 'apiserverDown']);
      const window = { start, end: new Date() };
      const fewest = await prometheus.query(`min(count_over_time(up${selector(OBSERVED_PATHS, jobsTargets)}[${windowRange(window)}]))`);
      const enough = (fewest[0]?.value ?? 0) >= minScrapes;
      if (enough && (!extraUntil || (await extraUntil()))) break;
    }
    const end = new Date();
    phases.push({ key: phaseKey(phase), label: phase, startMs: start.getTime(), endMs: end.getTime() });
    await sleep(settleMs);
    return { start, end };
  };
  await observe('baseline', OUTAGE_TARGETS);

  // ---- 5. the cut
  step(5, 'Cut: the netns loses its route to kube-apiserver', 'certificate scrapes need no apiserver; token scrapes do');
  const readyz = `${cluster.info.server}/readyz`;
  const beforeCut = await ns.reaches(readyz);
  if (!beforeCut.reached) throw new E2eError('E2E_ERR_NETNS', `the namespace cannot reach kube-apiserver even before the cut: ${beforeCut.detail}`);
  await ns.cut(plan.hostAddress, apiPort);
  const duringCut = await ns.reaches(readyz);
  if (duringCut.reached) throw new E2eError('E2E_ERR_NETNS', `the cut did not cut: the namespace still reaches ${readyz} (${duringCut.detail})`);
  detail(`from the netns, curl ${readyz}: ${beforeCut.detail} before, "${duringCut.detail}" during the cut`);
  detail(`ip netns exec ${plan.name} iptables ${(await ns.outputRules()).split('\n').find((l) => l.includes('DROP'))?.replace(/ -m comment --comment \S+/, '').trim()}`);
  await observe('cut', OUTAGE_TARGETS);
  await ns.restore();

  // ---- 6. kube-apiserver stopped
  step(6, 'Apiserver down', 'kube-apiserver stopped altogether: certificate scrapes of the targets keep succeeding');
  await cluster.stopApiserver();
  await observe('apiserver down', OUTAGE_TARGETS);

  // ---- 7. rotation
  step(7, 'Rotation', `apiserver back; ${signing}s certificates (minus the signer's 5 min backdate) rotate; no cert scrape may fail`);
  await cluster.startApiserver();
  const before = serials.length;
  const oldSerial = serials.at(-1) ?? issued.serial;
  let rotatedAt: Date | undefined;
  const reached = async (serial: string): Promise<boolean> => {
    const q = (via: ScrapePath): string => `certscrape_e2e_client_cert_info{via="${via}",serial="${serial}"}`;
    return (await prometheus.query(q('cert'))).length > 0 && (await prometheus.query(q('proxy'))).length > 0;
  };
  let afterRotationStart: Date | undefined;
  const rotationWindow = await observe('rotation', ALL_TARGETS, async () => {
    if (serials.length === before) return false;
    // The user-workload identity rotates on its own schedule (its own issuance): the phase lasts until it has too.
    if (uwSerials.length < 2) return false;
    const newest = serials.at(-1) ?? '';
    if (!rotatedAt) {
      rotatedAt = new Date(serialSeenAt[before] ?? Date.now()); // when it happened, not when this check noticed
      markers.push({ atMs: rotatedAt.getTime(), label: `Secret metrics-client-certs rotated: serial ${oldSerial.slice(0, 8)}.. -> ${newest.slice(0, 8)}..` });
      detail(`Secret rotated: serial ${oldSerial.slice(0, 8)}.. -> ${newest.slice(0, 8)}..`);
    }
    if (!afterRotationStart) {
      if (!(await reached(newest))) return false;
      afterRotationStart = new Date();
      detail(`node-app saw the new serial on the direct path and through the proxy ${((afterRotationStart.getTime() - rotatedAt.getTime()) / 1000).toFixed(1)}s later`);
    }
    const window = { start: afterRotationStart, end: new Date() };
    const fewest = await prometheus.query(`min(count_over_time(up${selector(CERT_PATHS, NAMESPACE_TARGETS)}[${windowRange(window)}]))`);
    return (fewest[0]?.value ?? 0) >= minScrapes;
  }, (signing + minScrapes * interval + 60) * 1000);

  // ---- 8. load on kube-apiserver per scrape
  step(8, 'Load on kube-apiserver', `${loadN} scrapes per target and path vs apiserver_request_total{resource=~"tokenreviews|subjectaccessreviews"}`);
  const adminCreds = await readKubeconfigCredentials(admin);
  // Token jobs paused so only the measured scrapes can cause delegation requests.
  const loadStart = Date.now();
  await prometheus.reload(prometheusConfig({ jobs: scrapeJobs(targets, CERT_PATHS), credentials, intervalSeconds: interval }));
  await sleep(settleMs + 3000);
  const load = await measureLoad(nsTargets, loadN, { pair, token: scraperToken, servingCaPem, proxyUrl: proxy.proxyUrl, adminCreds });
  await prometheus.reload(fullConfig);
  phases.push({ key: 'loadStep', label: 'load', startMs: loadStart, endMs: Date.now() });
  const certLoad = sumLoad(Object.values(load).map((l) => l.cert));
  const tokenLoad = sumLoad(TOKEN_CONTROL_TARGETS.map((t) => load[t]?.token).filter((l): l is LoadPath => l !== undefined));
  detail(`cert: ${certLoad.tokenreviews + certLoad.subjectaccessreviews} requests / ${certLoad.scrapes} scrapes; token (${TOKEN_CONTROL_TARGETS.join(', ')}): ${tokenLoad.tokenreviews} TokenReviews + ${tokenLoad.subjectaccessreviews} SARs / ${tokenLoad.scrapes} scrapes`);

  // ---- 9. the report, from what Prometheus recorded
  step(9, 'Report', 'every number from Prometheus `up` (load: kube-apiserver counters) -> e2e/results/latest.json');
  // One read of every `up` sample of the run: the counts below and the picture both come from it.
  const runWindow = { startMs: runStartMs, endMs: Date.now() };
  const timeline = await readUpTimeline(prometheus, {
    window: runWindow,
    intervalSeconds: interval,
    phases,
    markers: [...markers, ...(await readSerialChangeMarkers(prometheus, runWindow))],
    order: scrapeJobs(targets).map((j) => j.job),
    notes: [
      `The cut and the outage concern the targets in network namespace ${plan.name}; kube-apiserver is not behind the cut, and cannot serve its own /metrics while it is stopped.`,
      `Token control group: ${TOKEN_CONTROL_TARGETS.join(', ')} (every token scrape needs a TokenReview). Prometheus's token jobs are paused during the load step.`,
    ],
  });
  const headline = {
    cutCert: { phase: 'cut', paths: CERT_PATHS, targets: NAMESPACE_TARGETS },
    cutToken: { phase: 'cut', paths: ['token'], targets: TOKEN_CONTROL_TARGETS },
    downCert: { phase: 'apiserverDown', paths: CERT_PATHS, targets: NAMESPACE_TARGETS },
    rotCert: { phase: 'rotation', paths: CERT_PATHS, targets: ALL_TARGETS },
  } as const;
  const identityChecks: CountCheck[] = Object.values(IDENTITY_JOBS).flatMap((j) => ['cut', 'apiserverDown'].map((phase) => ({ phase, ...j })));
  const disagreements = await countDisagreements(prometheus, timeline, [...Object.values(headline), ...identityChecks]);
  if (disagreements.length) throw new E2eError('E2E_ERR_ASSERTION', `the samples and Prometheus's own count_over_time disagree: ${disagreements.join('; ')}`);
  const count = (c: (typeof headline)[keyof typeof headline]): ScrapeCount => countScrapesIn(timeline, phaseWindow(timeline, c.phase), c);
  const [cutCert, cutToken, downCert, rotCert] = [count(headline.cutCert), count(headline.cutToken), count(headline.downCert), count(headline.rotCert)];
  const rotations = await rotationsSeen(prometheus, rotationWindow, oldSerial);
  const byJob = Object.fromEntries(timeline.phases.map((p) => [p.key, countScrapesByJobIn(timeline, p)]));
  const identityCount = (username: string, phase: string): ScrapeCount => countScrapesIn(timeline, phaseWindow(timeline, phase), IDENTITY_JOBS[username]!);
  const identities: Record<string, IdentityReport> = {
    [SCRAPER.identity]: { cut: identityCount(SCRAPER.identity, 'cut'), apiserverDown: identityCount(SCRAPER.identity, 'apiserverDown'), rotations: Math.max(0, new Set(serials).size - 1) },
    [USER_WORKLOAD.identity]: { cut: identityCount(USER_WORKLOAD.identity, 'cut'), apiserverDown: identityCount(USER_WORKLOAD.identity, 'apiserverDown'), rotations: Math.max(0, new Set(uwSerials).size - 1) },
  };
  detail(Object.entries(identities).map(([u, i]) => `${u}: cut ${i.cut.ok}/${i.cut.total}, apiserver down ${i.apiserverDown.ok}/${i.apiserverDown.total}, ${i.rotations} rotation(s)`).join('; '));
  detail(`${SHARED_TARGET} ${PLATFORM_ONLY_PATH} during the cut: ${Object.entries(perIdentityProbes.cut).map(([u, c]) => `${u} ${JSON.stringify(c)}`).join(', ')}`);
  const report: E2eReport = {
    cut: { cert: cutCert, token: cutToken },
    apiserverDown: { cert: downCert },
    rotation: { rotations, failedScrapes: rotCert.total - rotCert.ok },
    apiserverRequestsPerScrape: { cert: certLoad.perScrape, token: tokenLoad.perScrape },
    identities,
    targets: targetDetail(byJob, load, Object.fromEntries(timeline.phases.map((p) => [p.key, { start: new Date(p.startMs), end: new Date(p.endMs) }])), perIdentityProbes),
  };
  // Every process log of the run (controllers, proxy, sidecars, Prometheus): no key or token material.
  const leaks = scanLogDir(logs);
  if (leaks.length) throw new E2eError('E2E_ERR_ASSERTION', `secret material in logs: ${leaks.map((l) => `${l.what} in ${l.where}`).join('; ')}`);
  await writeReport(options.reportPath, report);
  const { htmlPath } = await writeReportPicture(options.reportPath, report, timeline);
  return {
    report,
    verdicts: [...verdicts(report), ...controllerManagerVerdicts(report)],
    reportPath: options.reportPath,
    htmlPath,
    timeline,
    prometheusUrl: prometheus.url,
    prometheusGraphUrl: prometheusGraphUrl(prometheus.url, timeline),
    issued,
    serials: [...serials],
    userWorkload: { secret: `${USER_WORKLOAD.namespace}/${USER_WORKLOAD.secret}`, subject: uwSubject, serials: [...uwSerials] },
    perIdentityProbes,
    namespace: plan.name,
    apiserver: cluster.info.server,
    route: { beforeCut, duringCut },
  };
}

/** The identities file of deploy/components/user-workload must list exactly this run's two identities, platform first, with the Secrets the run mirrors. */
function assertIdentitiesFile(text: string): void {
  const doc = parseYaml(text) as { identities?: { username?: string; secret?: { namespace?: string; name?: string } }[] };
  const got = (doc.identities ?? []).map((i) => `${i.username} -> ${i.secret?.namespace}/${i.secret?.name}`);
  const want = [`${SCRAPER.identity} -> monitoring/metrics-client-certs`, `${USER_WORKLOAD.identity} -> ${USER_WORKLOAD.namespace}/${USER_WORKLOAD.secret}`];
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new E2eError('E2E_ERR_ASSERTION', `deploy/components/user-workload's identities file lists ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
}

/** The shared target runs the deploy sample's rules as they are: they must name exactly the two identities of this run. */
async function assertRulesNameBothIdentities(): Promise<void> {
  const rules = await readFile(PER_IDENTITY_RULES_FILE, 'utf8');
  for (const username of [SCRAPER.identity, USER_WORKLOAD.identity]) {
    if (!rules.includes(`name: ${username}\n`)) throw new E2eError('E2E_ERR_ASSERTION', `${PER_IDENTITY_RULES_FILE} does not name ${username}`);
  }
}

/** `up` of every job now, keyed `<target>/<path>`. */
async function upSnapshot(prometheus: PrometheusServer): Promise<UpSnapshot> {
  const out: Record<string, number> = {};
  for (const s of await prometheus.query('up')) out[`${s.metric.target}/${s.metric.path}`] = s.value;
  return out;
}

/** Number of new serials (not `oldSerial`) that the node-app target saw on BOTH certificate paths inside the window. */
async function rotationsSeen(prometheus: PrometheusServer, window: PhaseWindow, oldSerial: string): Promise<number> {
  const seen = async (via: ScrapePath): Promise<Set<string>> =>
    new Set((await prometheus.query(`count by (serial) (count_over_time(certscrape_e2e_client_cert_info{via="${via}"}[${windowRange(window)}]))`, window.end)).map((s) => s.metric.serial ?? ''));
  const direct = await seen('cert');
  const proxied = await seen('proxy');
  return [...direct].filter((s) => s !== oldSerial && proxied.has(s)).length;
}

/** One path's load measurement on one target: kube-apiserver's delegation requests around a fixed number of scrapes. */
interface LoadPath {
  readonly scrapes: number;
  readonly ok: number;
  readonly tokenreviews: number;
  readonly subjectaccessreviews: number;
  readonly perScrape: number;
}

/** Per target: `cert` (half direct, half through the proxy) and `token`. */
type LoadResult = Record<string, { readonly cert: LoadPath; readonly token: LoadPath }>;

const perScrape = (requests: number, scrapes: number): number => (scrapes === 0 ? 0 : Math.round((requests / scrapes) * 1000) / 1000);

/** Sums paths of several targets into one. */
function sumLoad(paths: readonly LoadPath[]): LoadPath {
  const t = paths.reduce((a, p) => ({ scrapes: a.scrapes + p.scrapes, ok: a.ok + p.ok, tokenreviews: a.tokenreviews + p.tokenreviews, subjectaccessreviews: a.subjectaccessreviews + p.subjectaccessreviews }), {
    scrapes: 0,
    ok: 0,
    tokenreviews: 0,
    subjectaccessreviews: 0,
  });
  return { ...t, perScrape: perScrape(t.tokenreviews + t.subjectaccessreviews, t.scrapes) };
}

/**
 * A fixed number of scrapes per target and path, one target and path at a time, each bracketed by
 * kube-apiserver's own apiserver_request_total (tokenreviews + subjectaccessreviews). Every scrape
 * must succeed, or the per-scrape cost would mean nothing.
 */
async function measureLoad(
  targets: readonly ScrapeTarget[],
  n: number,
  ctx: { pair: () => { certPem: string; keyPem: string }; token: string; servingCaPem: string; proxyUrl: string; adminCreds: Awaited<ReturnType<typeof readKubeconfigCredentials>> },
): Promise<LoadResult> {
  const run = async (scrape: (i: number) => Promise<ScrapeResult>, count: number, what: string): Promise<LoadPath> => {
    const before: DelegationRequestCounts = await readDelegationRequestCounts(ctx.adminCreds);
    let ok = 0;
    let last: ScrapeResult | undefined;
    for (let i = 0; i < count; i++) {
      last = await scrape(i);
      if (last.status === 200) ok += 1;
    }
    const after = await readDelegationRequestCounts(ctx.adminCreds);
    if (ok !== count) throw new E2eError('E2E_ERR_ASSERTION', `load step: ${what}: only ${ok}/${count} scrapes succeeded (last: ${last?.status} ${last?.error ?? ''})`);
    const tokenreviews = after.tokenreviews - before.tokenreviews;
    const subjectaccessreviews = after.subjectaccessreviews - before.subjectaccessreviews;
    return { scrapes: count, ok, tokenreviews, subjectaccessreviews, perScrape: perScrape(tokenreviews + subjectaccessreviews, count) };
  };
  const out: Record<string, { cert: LoadPath; token: LoadPath }> = {};
  for (const t of targets) {
    const cert = await run((i) => (i % 2 === 0 ? scrapeDirect(t.address, ctx.pair(), ctx.servingCaPem) : scrapeViaProxy(ctx.proxyUrl, t.address)), 2 * n, `${t.name} certificate`);
    const token = await run(() => scrapeDirect(t.address, { token: ctx.token }, ctx.servingCaPem), n, `${t.name} token`);
    out[t.name] = { cert, token };
  }
  return out;
}

/** Per-target detail for the report: per target, per phase, per path {ok, total}, and the load measurement. */
function targetDetail(byJob: Record<string, Record<string, ScrapeCount>>, load: LoadResult, windows: Record<string, PhaseWindow>, probes: ScenarioOutcome['perIdentityProbes']): Record<string, unknown> {
  const perTarget: Record<string, Record<string, unknown>> = {};
  for (const [phase, jobs] of Object.entries(byJob)) {
    for (const [job, count] of Object.entries(jobs)) {
      const [target = '?', path = '?'] = job.split('/');
      (((perTarget[target] ??= {})[phase] ??= {}) as Record<string, ScrapeCount>)[path] = count;
    }
  }
  for (const [target, l] of Object.entries(load)) (perTarget[target] ??= {}).load = l;
  (perTarget[SHARED_TARGET] ??= {}).platformOnlyPath = { path: PLATFORM_ONLY_PATH, ...probes };
  return {
    ...perTarget,
    _notes: {
      cut: 'cut.cert counts the namespace targets (the ones behind the cut); kube-apiserver is listed per target',
      apiserverDown: 'apiserverDown.cert counts the namespace targets: kube-apiserver cannot serve its own /metrics while stopped',
      controlPlane:
        'kube-controller-manager: a real kube-controller-manager in the namespace, bound to 127.0.0.1 with /metrics in --authorization-always-allow-paths, behind the certscrape-target-auth sidecar (https upstream verified against its serving CA), scraped by certificate; kube-controller-manager-stock: the same binary on the namespace address, stock (/metrics authorized by SubjectAccessReview, 10 s cache), scraped with a token — the control. Neither is in the headline numbers',
      phases: 'every count is of the `up` samples in latest.timeline.json (drawn in latest.html); per target, <phase>.<path> = {ok, total} for each phase there; loadStep = Prometheus scrapes during the load step (token jobs paused), load = the measured direct scrapes',
      identities: `identities.<username>: that identity's own certificate jobs — ${Object.entries(IDENTITY_JOBS).map(([u, j]) => `${u}: ${j.paths.join('+')} on ${j.targets.join(', ')}`).join('; ')}; rotations = new pairs its Secret received during the run`,
      sharedExporter: `${SHARED_TARGET}: node-exporter behind a second sidecar running deploy/samples/target-auth-rules/per-identity.yaml (platform identity every path, user-workload identity /metrics only); platformOnlyPath = direct GETs of ${PLATFORM_ONLY_PATH} with each identity's certificate on every tick of the outage phases, HTTP status -> count`,
      tokenControlGroup: `cut.token and apiserverRequestsPerScrape.token count ${TOKEN_CONTROL_TARGETS.join(', ')}: the in-process target and the certscrape-target-auth sidecars run with --delegated-cache-ttl=0, so every token scrape needs a TokenReview (the sidecar's default caches like kube-rbac-proxy: 2 min)`,
      windows: Object.fromEntries(Object.entries(windows).map(([k, w]) => [k, { start: w.start.toISOString(), end: w.end.toISOString() }])),
    },
  };
}
