// The fault matrix of issue 18 as a library: one real control plane, the real csr-approver (two
// replicas, leader election) and monitoring-operator processes, real targets in a network
// namespace scraped by a real Prometheus through both certificate paths — and one fault after
// another, each a phase with its own numbers. Every fault is driven as a black box: processes are
// stopped, frozen or SIGKILLed by pid, objects are changed through the Kubernetes API, and the
// steps of an issuance are observed by watching the objects the operator writes.
import { setTimeout as sleep } from 'node:timers/promises';
import { CertificatesV1Api, CoreV1Api, KubeConfig, type V1CertificateSigningRequest, type V1Secret } from '@kubernetes/client-node';
import { parseCertificate } from '@certscrape/pkcs';
import type { CleanupStack } from './support/cleanup-stack.js';
import { startCertScrapeStack } from './support/cert-scrape-stack.js';
import type { RunningController } from './support/controller-processes.js';
import { E2eError } from './support/errors.js';
import { startNetnsControlPlane } from './support/netns-control-plane.js';
import { watchCsrs, watchSecret, secretData, type ObjectWatch } from './support/object-watch.js';
import { checkPair, serialOf, type PairVerdict } from './support/pair-check.js';
import { countScrapes, windowRange, type PhaseWindow, type ScrapeCount } from './support/phase-window.js';
import { writeReportSections } from './support/report-sections.js';
import { runCommand } from './support/run-command.js';
import { CERT_PATHS, selector, type TargetName } from './support/scrape-matrix.js';
import { scanLogDir } from './support/secret-scan.js';
import { waitFor } from './support/wait-for.js';
import { nodeBin } from './support/workspace-bins.js';
import { earliestRotation, ISSUANCE_STALL_SECONDS, PENDING_CSR_ANNOTATION, type Fault, type FaultContext, type InstalledPair, type Settled } from './faults/fault.js';

const NAMESPACE = 'monitoring';
const SECRET = 'metrics-client-certs';
const PENDING_SECRET = 'metrics-client-certs-pending';
/** The label the operator puts on its CSRs (design.md: a hint for filtering, never a security boundary). */
const CSR_SUBJECT_LABEL = 'certscrape.io/csr-subject';
const TARGETS: readonly TargetName[] = ['node-app', 'node-exporter', 'etcd'];
const OPERATOR_METRIC = 'certscrape_monitoring_operator_';
/** Approver leader election, short so a takeover fits in a phase (component-base's rule: lease > renew > 1.2 x retry). */
const APPROVER_LEASE = ['--leader-elect=true', '--leader-elect-lease-duration=6s', '--leader-elect-renew-deadline=4s', '--leader-elect-retry-period=1s'];

/** One row of `faults` in latest.json. */
export interface FaultRow {
  /** Certificate scrapes (direct + through scraper-proxy) of the namespace targets inside the phase. */
  readonly certScrapes: ScrapeCount;
  readonly recoverySeconds: number;
  /** Pairs in the Secret whose key did not match the certificate, among the pairs the operator wrote (every watch event checked). */
  readonly mismatchedPairs: number;
  /** The same for pairs the fault itself wrote (only the tampering fault writes any). */
  readonly faultWrittenMismatchedPairs: number;
  /** Watch events of the Secret checked inside the phase. */
  readonly secretEventsChecked: number;
  readonly byPath: Readonly<Record<'cert' | 'proxy', ScrapeCount>>;
  readonly window: { readonly start: string; readonly end: string };
  readonly details: Readonly<Record<string, unknown>>;
}

/** Options of {@link runFaultMatrix}. */
export interface FaultMatrixOptions {
  readonly workDir: string;
  readonly reportPath: string;
  /** Prometheus scrape interval (s). Default 2. */
  readonly intervalSeconds?: number;
  /** kube-controller-manager --cluster-signing-duration (s). Default 420: with the signer's 5-minute backdate a pair arrives with 2 minutes left and rotates 84–108 s after issuance. */
  readonly signingDurationSeconds?: number;
  /** Fewest scrapes per certificate job in each phase. Default 5. */
  readonly minScrapesPerJob?: number;
  readonly binDir?: string;
  readonly log?: (line: string) => void;
}

/** What the e2e test checks. */
export interface FaultMatrixOutcome {
  readonly rows: Readonly<Record<string, FaultRow>>;
  /** Every Secret watch event of the whole run, with its verdict. */
  readonly pairChecks: readonly PairCheck[];
  readonly stallSurfacing: boolean;
  readonly logLeaks: number;
}

/** One watch event of Secret metrics-client-certs and what its pair was. */
export interface PairCheck {
  readonly atMs: number;
  readonly resourceVersion: string;
  readonly verdict: PairVerdict;
}

/** Runs every fault of `faults` in order against one system and writes `faults` into the report. */
export async function runFaultMatrix(options: FaultMatrixOptions, faults: readonly Fault[], cleanup: CleanupStack): Promise<FaultMatrixOutcome> {
  const log = options.log ?? (() => undefined);
  const interval = options.intervalSeconds ?? 2;
  const signing = options.signingDurationSeconds ?? 420;
  const minScrapes = options.minScrapesPerJob ?? 5;
  const work = options.workDir;

  // ---- the system: control plane reachable from a network namespace, identities from deploy/
  const controlPlane = await startNetnsControlPlane({ workDir: work, signingDurationSeconds: signing, ...(options.binDir ? { binDir: options.binDir } : {}) }, cleanup);
  const { cluster, admin } = controlPlane;
  const kc = new KubeConfig();
  kc.loadFromFile(admin);
  const core = kc.makeApiClient(CoreV1Api);
  const certificates = kc.makeApiClient(CertificatesV1Api);

  // Watches first, so no write of any controller is missed.
  const csrs = watchCsrs(admin, CSR_SUBJECT_LABEL);
  const certs = watchSecret(admin, NAMESPACE, SECRET);
  const pending = watchSecret(admin, NAMESPACE, PENDING_SECRET);
  for (const w of [csrs, certs, pending] as ObjectWatch<V1Secret | V1CertificateSigningRequest>[]) cleanup.defer('watch', () => w.stop(), () => w.stop());
  await Promise.all([csrs.synced(), certs.synced(), pending.synced()]);
  // Every event of the Secret is checked (in order; the check is async, the event is recorded at once).
  const pairChecks: PairCheck[] = [];
  let checking = Promise.resolve();
  certs.subscribe((e) => {
    const data = secretData(e);
    const entry = { atMs: e.atMs, resourceVersion: e.object.metadata?.resourceVersion ?? '' };
    checking = checking.then(async () => {
      pairChecks.push({ ...entry, verdict: e.type === 'delete' ? 'incomplete' : await checkPair(data['tls.crt'], data['tls.key']) });
    });
  });

  const stallSurfacing = (await runCommand([...nodeBin('monitoringOperator'), '--help'])).includes('--issuance-stall-seconds');
  const operatorArgs = stallSurfacing ? [`--issuance-stall-seconds=${ISSUANCE_STALL_SECONDS}`] : [];
  log(`monitoring-operator ${stallSurfacing ? `has --issuance-stall-seconds (set to ${ISSUANCE_STALL_SECONDS})` : 'has no --issuance-stall-seconds yet: the stall gauge and Event are not asserted'}`);

  // ---- the controllers (2 approver replicas with leader election, 1 operator) and the scraper side:
  // the Secret and ConfigMap projected like volumes, the proxy, the namespace targets, Prometheus
  const stack = await startCertScrapeStack(controlPlane, { workDir: work, intervalSeconds: interval, approverReplicas: 2, approverArgs: APPROVER_LEASE, operatorArgs, apiserverTarget: false, log }, cleanup);
  const { prometheus, jobs } = stack;
  let approvers: RunningController[] = [...stack.approvers];
  let operator = stack.operator;
  log(`system up: ${jobs.length} Prometheus jobs (${TARGETS.join(', ')} x cert, proxy) every ${interval}s; signing duration ${signing}s; 2 approver replicas, 1 operator`);

  // ---- what faults may do
  const operatorMetric = async (name: string): Promise<number | undefined> => {
    const text = await (await fetch(`${operator.metricsUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };
  const readPair = async (): Promise<{ certPem: string; keyPem: string } | undefined> => {
    const d = (await core.readNamespacedSecret({ name: SECRET, namespace: NAMESPACE }).catch(() => undefined))?.data ?? {};
    const certPem = d['tls.crt'] ? Buffer.from(d['tls.crt'], 'base64').toString('utf8') : '';
    const keyPem = d['tls.key'] ? Buffer.from(d['tls.key'], 'base64').toString('utf8') : '';
    return certPem && keyPem ? { certPem, keyPem } : undefined;
  };
  const installedPair = async (): Promise<InstalledPair> =>
    waitFor(
      async () => {
        const pair = await readPair();
        if (!pair) return undefined;
        const cert = parseCertificate(pair.certPem);
        // The gauges follow the Secret: wait until they describe this certificate.
        if ((await operatorMetric(`${OPERATOR_METRIC}certificate_not_after_timestamp_seconds`)) !== cert.notAfter.getTime() / 1000) return undefined;
        const deadline = await operatorMetric(`${OPERATOR_METRIC}rotation_deadline_timestamp_seconds`);
        return deadline ? { serial: serialOf(pair.certPem), notAfter: cert.notAfter, rotationDeadline: new Date(deadline * 1000) } : undefined;
      },
      { what: 'the installed pair and the operator gauges describing it', timeoutMs: 60_000, intervalMs: 250 },
    );
  const csrsLeft = async (): Promise<number> => (await certificates.listCertificateSigningRequest({ labelSelector: CSR_SUBJECT_LABEL })).items.length;
  const waitSettled = async (notSerial: string | undefined, timeoutMs = 120_000): Promise<Settled> => {
    const serial = await waitFor(
      async () => {
        operator.process.assertRunning();
        const pair = await readPair();
        if (!pair || (await checkPair(pair.certPem, pair.keyPem)) !== 'match') return undefined;
        const s = serialOf(pair.certPem);
        if (s === notSerial) return undefined;
        const state = await core.readNamespacedSecret({ name: PENDING_SECRET, namespace: NAMESPACE }).catch(() => undefined);
        return state?.metadata?.annotations?.[PENDING_CSR_ANNOTATION] ? undefined : s;
      },
      { what: `a new matching pair (not serial ${notSerial}) and no issuance pending`, timeoutMs, intervalMs: 250 },
    );
    const at = new Date();
    // The used CSR is deleted right after the install: give that a moment, then count what is left.
    const left = await waitFor(async () => ((await csrsLeft()) === 0 ? 0 : undefined), { what: 'no CSR left', timeoutMs: 20_000, intervalMs: 250 }).catch(() => csrsLeft());
    return { at, serial, csrsLeft: left };
  };
  const deleteCertSecret = async (): Promise<void> => {
    await core.deleteNamespacedSecret({ name: SECRET, namespace: NAMESPACE });
  };
  const ctx: FaultContext = {
    cluster,
    csrs,
    certs,
    pending,
    operator: () => operator,
    killOperator: () => operator.process.killSync(),
    restartOperator: async () => {
      await operator.process.exited;
      operator = await stack.startOperator();
    },
    approvers: () => approvers,
    approverLeader: () =>
      waitFor(
        async () => {
          for (const a of approvers) {
            if (!a.process.running) continue;
            const text = await (await fetch(`${a.metricsUrl}/metrics`, { signal: AbortSignal.timeout(2000) })).text().catch(() => '');
            if (/^certscrape_csr_approver_leader 1$/m.test(text)) return a;
          }
          return undefined;
        },
        { what: 'a csr-approver replica leading', timeoutMs: 60_000, intervalMs: 500 },
      ),
    replaceApprover: async (victim) => {
      victim.process.killSync();
      await victim.process.exited;
      approvers = [...approvers.filter((a) => a !== victim), await stack.startApprover()];
    },
    installedPair,
    deleteCertSecret,
    writeCertKey: async (keyPem) => {
      const secret = await core.readNamespacedSecret({ name: SECRET, namespace: NAMESPACE });
      secret.data = { ...secret.data, 'tls.key': Buffer.from(keyPem).toString('base64') };
      const written = await core.replaceNamespacedSecret({ name: SECRET, namespace: NAMESPACE, body: secret });
      return written.metadata?.resourceVersion ?? '';
    },
    waitSettled,
    freshPairWithMargin: async (marginS) => {
      for (let attempt = 0; attempt < 8; attempt++) {
        const pair = await installedPair();
        const earliest = earliestRotation(pair);
        const margin = (pair.notAfter.getTime() - earliest.getTime()) / 1000;
        if (margin >= marginS && earliest.getTime() - Date.now() > 15_000) return pair;
        log(`  pair ${pair.serial.slice(0, 8)}..: ${margin.toFixed(0)}s between its earliest rotation and NotAfter (< ${marginS}s, or deadline too close): re-issuing`);
        await deleteCertSecret();
        await waitSettled(pair.serial);
      }
      throw new E2eError('E2E_ERR_TIMEOUT', `no pair with ${marginS}s between its rotation deadline and NotAfter after 8 issuances`);
    },
    operatorMetric,
    stallSurfacing,
    secretEvents: async (reason, since) =>
      (await core.listNamespacedEvent({ namespace: NAMESPACE, fieldSelector: `involvedObject.name=${SECRET},reason=${reason}` })).items.filter(
        (e) => e.type === 'Warning' && new Date(e.lastTimestamp ?? e.eventTime ?? 0).getTime() >= Math.floor(since.getTime() / 1000) * 1000,
      ).length,
    log,
  };

  // ---- the phases
  const settleMs = Math.ceil(interval * 1500);
  const rows: Record<string, FaultRow> = {};
  await waitSettled(undefined);
  for (const fault of faults) {
    log(`fault ${fault.key}: ${fault.what}`);
    const prepared = await fault.prepare?.(ctx);
    const start = new Date();
    const outcome = await fault.run(ctx, prepared);
    // Enough scrapes in the window to count, then let the last ones land before counting.
    await waitFor(
      async () => {
        const fewest = await prometheus.query(`min(count_over_time(up${selector(CERT_PATHS, TARGETS)}[${windowRange({ start, end: new Date() })}]))`);
        return (fewest[0]?.value ?? 0) >= minScrapes ? true : undefined;
      },
      { what: `${minScrapes} scrapes per job in phase ${fault.key}`, timeoutMs: (minScrapes * interval + 60) * 1000, intervalMs: 1000 },
    );
    const window: PhaseWindow = { start, end: new Date() };
    await sleep(settleMs);
    await checking;
    const own = new Set(outcome.ownWrites ?? []);
    const inPhase = pairChecks.filter((c) => c.atMs >= start.getTime() && c.atMs <= window.end.getTime());
    const row: FaultRow = {
      certScrapes: await countScrapes(prometheus, CERT_PATHS, TARGETS, window),
      recoverySeconds: outcome.recoverySeconds,
      mismatchedPairs: inPhase.filter((c) => c.verdict === 'mismatch' && !own.has(c.resourceVersion)).length,
      faultWrittenMismatchedPairs: inPhase.filter((c) => c.verdict === 'mismatch' && own.has(c.resourceVersion)).length,
      secretEventsChecked: inPhase.length,
      byPath: { cert: await countScrapes(prometheus, ['cert'], TARGETS, window), proxy: await countScrapes(prometheus, ['proxy'], TARGETS, window) },
      window: { start: start.toISOString(), end: window.end.toISOString() },
      details: outcome.details,
    };
    rows[fault.key] = row;
    log(`  ${fault.key}: cert scrapes ${row.certScrapes.ok}/${row.certScrapes.total}, recovery ${row.recoverySeconds}s, mismatched pairs ${row.mismatchedPairs} (fault-written ${row.faultWrittenMismatchedPairs}) of ${row.secretEventsChecked} Secret events; ${JSON.stringify(row.details)}`);
  }
  await checking;
  const leaks = scanLogDir(stack.logDir);
  await writeReportSections(options.reportPath, { faults: reportShape(rows) });
  return { rows, pairChecks, stallSurfacing, logLeaks: leaks.length };
}

/** `faults` in the issue's shape, with the extra facts beside the three required figures. */
export function reportShape(rows: Readonly<Record<string, FaultRow>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(rows).map(([k, r]) => [k, { certScrapes: r.certScrapes, recoverySeconds: r.recoverySeconds, mismatchedPairs: r.mismatchedPairs, faultWrittenMismatchedPairs: r.faultWrittenMismatchedPairs, secretEventsChecked: r.secretEventsChecked, byPath: r.byPath, window: r.window, details: r.details }]));
}
