// Issue 18, signer CA rotation, as a library (ca-rotation.e2e.test.ts runs it): the CSR signing CA
// of a real control plane is replaced while a real Prometheus scrapes every target by client
// certificate, first by the documented procedure (docs/ca-rotation.md), then in the wrong order.
// Every number is counted from Prometheus's own `up` samples.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createSigningCa } from '@certscrape/local-cluster';
import { formatName, parseCertificate, parseCertificateBundle } from '@certscrape/pkcs';
import { waitForTargetsTrust, type CaPair } from './support/ca-probe.js';
import { startCertScrapeStack, STACK_SCRAPER, type CertScrapeStack } from './support/cert-scrape-stack.js';
import type { CleanupStack } from './support/cleanup-stack.js';
import { E2eError } from './support/errors.js';
import { startNetnsControlPlane } from './support/netns-control-plane.js';
import { countScrapes, type PhaseWindow, type ScrapeCount } from './support/phase-window.js';
import { recoveryAfter } from './support/recovery-time.js';
import { writeReportSections } from './support/report-sections.js';
import { CERT_PATHS, type TargetName } from './support/scrape-matrix.js';
import { scanLogDir } from './support/secret-scan.js';
import { readUpTimeline } from './support/up-timeline-query.js';
import { waitFor } from './support/wait-for.js';

/** Options of {@link runCaRotation}. */
export interface CaRotationOptions {
  readonly workDir: string;
  /** Where latest.json is written (sections caRotation and caRotationWrongOrder). */
  readonly reportPath: string;
  /** Prometheus scrape interval (= timeout), seconds. Default 2. */
  readonly intervalSeconds?: number;
  /** monitoring-operator --signer-probe-seconds. Default 15 (the product default is 300). */
  readonly signerProbeSeconds?: number;
  readonly binDir?: string;
  readonly log?: (line: string) => void;
}

/** One step of a variant and how long it took. */
export interface StepRecord {
  readonly step: string;
  readonly at: string;
  readonly seconds: number;
}

/** The documented procedure's figures. */
export interface ProcedureOutcome {
  readonly window: PhaseWindow;
  readonly certScrapes: ScrapeCount;
  readonly failedScrapes: number;
  readonly steps: readonly StepRecord[];
  /** Issuer CN of every certificate the Secret held during the procedure, in order. */
  readonly issuers: readonly string[];
  /** Certificates the operator installed from the OLD CA while the new one was in the bundle and kube-controller-manager still signed with the old one (signer probes). */
  readonly probesFromOldCa: number;
  /** Seconds the new CA was in the bundle before kube-controller-manager switched (the probes' window). */
  readonly secondsBeforeSwitch: number;
  /** certscrape_monitoring_operator_signer_rotation_pending once the bundle had the new CA, and after the re-issue. */
  readonly signerRotationPending: { readonly afterAdd: number; readonly afterReissue: number };
  /** rotations_total{reason="signer-rotated"} at the end. */
  readonly signerRotatedInstalls: number;
  /** The installed certificate came from the new CA before the old CA left the bundle. */
  readonly reissuedBeforeRemoval: boolean;
}

/** The wrong order's figures. */
export interface WrongOrderOutcome {
  readonly window: PhaseWindow;
  readonly certScrapes: ScrapeCount;
  readonly failedScrapes: number;
  /** From the old CA's removal until every certificate job succeeded again. */
  readonly recoverySeconds: number;
  readonly steps: readonly StepRecord[];
  readonly finalIssuer: string;
}

export interface CaRotationOutcome {
  readonly procedure: ProcedureOutcome;
  readonly wrongOrder: WrongOrderOutcome;
  readonly targets: readonly TargetName[];
  readonly jobs: number;
}

const issuerCn = (pem: string): string => formatName(parseCertificate(pem).issuer);
const subjectCn = (pem: string): string => formatName(parseCertificate(pem).subject);
const serialOf = (pem: string): string => parseCertificate(pem).serialNumber.toLowerCase().replace(/^0+/, '');

/** Runs both variants and writes the report sections. Everything started is registered on `cleanup`. */
export async function runCaRotation(options: CaRotationOptions, cleanup: CleanupStack): Promise<CaRotationOutcome> {
  const log = options.log ?? (() => undefined);
  const interval = options.intervalSeconds ?? 2;
  const probeS = options.signerProbeSeconds ?? 15;
  // 3600 s certificates: the ordinary rotation deadline (70-90 % of the lifetime) stays well outside the run.
  const controlPlane = await startNetnsControlPlane({ workDir: options.workDir, signingDurationSeconds: 3600, separateSigningCa: true, ...(options.binDir ? { binDir: options.binDir } : {}), onProgress: log }, cleanup);
  const stack = await startCertScrapeStack(controlPlane, { workDir: options.workDir, intervalSeconds: interval, operatorArgs: [`--signer-probe-seconds=${probeS}`], log }, cleanup);
  const { cluster, targets, prometheus } = stack;
  const targetNames = targets.map((t) => t.name);
  const info = cluster.info;
  const clusterCaPem = await readFile(info.caFile, 'utf8');
  const signingCaFile = info.signingCaFile ?? join(info.stateDir, 'pki', 'signer.crt');
  const oldCa: CaPair = { certPem: await readFile(signingCaFile, 'utf8'), keyPem: await readFile(join(dirname(signingCaFile), 'signer.key'), 'utf8') };
  const kc = new KubeConfig();
  kc.loadFromFile(stack.admin);
  const core = kc.makeApiClient(CoreV1Api);
  const trust = (ca: CaPair, trusted: boolean, what: string): Promise<number> =>
    waitForTargetsTrust(targets, ca, trusted, { username: STACK_SCRAPER.identity, servingCaPem: stack.servingCaPem, timeoutMs: 180_000, what });

  // Every certificate the Secret holds, as the mirror (the kubelet's part) sees it.
  const installed: { serial: string; issuer: string; atMs: number }[] = [];
  const noteInstalled = (): void => {
    const pem = stack.certs.current['tls.crt'] ?? '';
    const serial = serialOf(pem);
    if (installed.at(-1)?.serial !== serial) installed.push({ serial, issuer: issuerCn(pem), atMs: Date.now() });
  };
  const watcher = setInterval(noteInstalled, 200);
  cleanup.defer('installed-certificate watcher', () => clearInterval(watcher));
  noteInstalled();
  const oldCn = subjectCn(oldCa.certPem);
  if (installed[0]?.issuer !== oldCn) throw new E2eError('E2E_ERR_ASSERTION', `the first certificate was issued by ${installed[0]?.issuer}, want ${oldCn}`);

  const steps: StepRecord[] = [];
  const step = async (name: string, run: () => Promise<unknown>): Promise<void> => {
    const t0 = Date.now();
    await run();
    steps.push({ step: name, at: new Date(t0).toISOString(), seconds: Math.round((Date.now() - t0) / 100) / 10 });
    log(`${name}: ${steps.at(-1)?.seconds}s`);
  };
  const published = async (): Promise<string[]> => {
    const cm = await core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'extension-apiserver-authentication' }).catch(() => undefined);
    return parseCertificateBundle(cm?.data?.['client-ca-file'] ?? '').map((c) => formatName(c.subject));
  };
  const mirrored = (): string[] => parseCertificateBundle(stack.clientCa.current['client-ca.crt'] ?? '').map((c) => formatName(c.subject));
  const has = (list: () => Promise<string[]> | string[], cn: string, want: boolean, what: string): Promise<true> =>
    waitFor(async () => ((await list()).includes(cn) === want ? true : undefined), { what, timeoutMs: 180_000, intervalMs: 500 });
  /** Waits until the Secret holds a certificate from `cn` and Prometheus presented it on both paths (the Node target reports what it was shown). */
  const presented = async (cn: string): Promise<string> => {
    await waitFor(() => (installed.at(-1)?.issuer === cn ? true : undefined), { what: `a certificate from ${cn} in Secret metrics-client-certs`, timeoutMs: 180_000, intervalMs: 250 });
    const serial = installed.at(-1)!.serial;
    for (const via of CERT_PATHS) {
      await waitFor(async () => ((await prometheus.query(`certscrape_e2e_client_cert_info{via="${via}",serial="${serial}"}`)).length > 0 ? true : undefined), {
        what: `Prometheus presenting serial ${serial.slice(0, 8)}.. on the ${via} path`,
        timeoutMs: 60_000,
        intervalMs: 500,
      });
    }
    return serial;
  };
  const settle = (): Promise<void> => sleep(Math.max(10, interval * 5) * 1000);

  // ---- the documented procedure: signer -> signer-2
  const newCa = await createSigningCa({ commonName: 'certscrape-local-cluster-signer-2', now: new Date() });
  const newCn = subjectCn(newCa.certPem);
  await sleep(interval * 1500);
  const start = new Date();
  await step('1. add the new CA to kube-apiserver --client-ca-file', () => cluster.setClientCaBundle([clusterCaPem, oldCa.certPem, newCa.certPem]));
  await step('2. extension-apiserver-authentication carries both', () => has(published, newCn, true, `${newCn} in kube-system/extension-apiserver-authentication`));
  await step('3. the mirror ConfigMap carries both', () => has(mirrored, newCn, true, `${newCn} in monitoring/metrics-client-ca`));
  await step('4. every target trusts the new CA', () => trust(newCa, true, `every target accepting a certificate from ${newCn}`));
  const pendingAfterAdd = await waitFor(async () => ((await operatorGauge(stack, 'certscrape_monitoring_operator_signer_rotation_pending')) === 1 ? 1 : undefined), {
    what: 'signer_rotation_pending = 1 while the Secret still holds a certificate from the old CA',
    timeoutMs: 60_000,
    intervalMs: 500,
  });
  const addedAtMs = Date.parse(steps[0]!.at);
  const switchAtMs = Date.now();
  await step('5. kube-controller-manager signs with the new CA', () => cluster.setSigningCa(newCa));
  await step('6. the operator re-issues from the new CA (signer probe)', () => presented(newCn));
  const reissuedBeforeRemoval = installed.at(-1)?.issuer === newCn;
  const pendingAfterReissue = await waitFor(async () => ((await operatorGauge(stack, 'certscrape_monitoring_operator_signer_rotation_pending')) === 0 ? 0 : undefined), {
    what: 'signer_rotation_pending = 0 once the certificate comes from the new CA',
    timeoutMs: 60_000,
    intervalMs: 500,
  });
  await step('7. remove the old CA from --client-ca-file', () => cluster.setClientCaBundle([clusterCaPem, newCa.certPem]));
  await step('8. republish extension-apiserver-authentication (kube-apiserver only ever adds)', () => cluster.republishClientCaBundle());
  await step('9. the mirror drops the old CA', () => has(mirrored, oldCn, false, `${oldCn} gone from monitoring/metrics-client-ca`));
  await step('10. every target refuses the old CA', () => trust(oldCa, false, `every target refusing a certificate from ${oldCn}`));
  await settle();
  const end = new Date();
  const window = { start, end };
  const certScrapes = await countScrapes(prometheus, CERT_PATHS, targetNames, window);
  const during = installed.filter((c) => c.atMs >= start.getTime() && c.atMs <= end.getTime());
  const procedure: ProcedureOutcome = {
    window,
    certScrapes,
    failedScrapes: certScrapes.total - certScrapes.ok,
    steps: [...steps],
    issuers: [installed.filter((c) => c.atMs < start.getTime()).at(-1)?.issuer ?? '?', ...during.map((c) => c.issuer)],
    probesFromOldCa: during.filter((c) => c.issuer === oldCn && c.atMs >= addedAtMs).length,
    secondsBeforeSwitch: Math.round((switchAtMs - addedAtMs) / 100) / 10,
    signerRotationPending: { afterAdd: pendingAfterAdd, afterReissue: pendingAfterReissue },
    signerRotatedInstalls: await operatorCounter(stack, 'certscrape_monitoring_operator_rotations_total', 'signer-rotated'),
    reissuedBeforeRemoval,
  };
  log(`procedure: ${procedure.certScrapes.ok}/${procedure.certScrapes.total} certificate scrapes ok; issuers ${procedure.issuers.join(' -> ')}`);

  // ---- the wrong order: signer-2 -> signer-3, the old CA removed before kube-controller-manager switched
  const thirdCa = await createSigningCa({ commonName: 'certscrape-local-cluster-signer-3', now: new Date() });
  const thirdCn = subjectCn(thirdCa.certPem);
  steps.length = 0; // the procedure's steps were copied into its outcome
  await sleep(interval * 1500);
  const wrongStart = new Date();
  await step('1. replace the old CA by the new one in --client-ca-file', () => cluster.setClientCaBundle([clusterCaPem, thirdCa.certPem]));
  const removedAtMs = Date.parse(steps[0]!.at);
  await step('2. republish extension-apiserver-authentication', () => cluster.republishClientCaBundle());
  await step('3. kube-controller-manager signs with the new CA', () => cluster.setSigningCa(thirdCa));
  await step('4. the operator re-issues from the new CA', () => presented(thirdCn));
  await step('5. every target trusts the new CA', () => trust(thirdCa, true, `every target accepting a certificate from ${thirdCn}`));
  await step('6. every certificate job is up again', () =>
    waitFor(async () => ((await prometheus.query(`min(up{path=~"cert|proxy"})`))[0]?.value === 1 ? true : undefined), { what: 'every certificate job up', timeoutMs: 120_000, intervalMs: 1000 }),
  );
  await settle();
  const wrongSteps = [...steps];
  const wrongEnd = new Date();
  const wrongWindow = { start: wrongStart, end: wrongEnd };
  const wrongCounts = await countScrapes(prometheus, CERT_PATHS, targetNames, wrongWindow);
  const timeline = await readUpTimeline(prometheus, { window: { startMs: wrongStart.getTime(), endMs: wrongEnd.getTime() }, intervalSeconds: interval, phases: [] });
  const recovery = recoveryAfter(
    timeline.series.filter((s) => (CERT_PATHS as readonly string[]).includes(s.path)),
    removedAtMs,
  );
  if (recovery.seconds === undefined) throw new E2eError('E2E_ERR_ASSERTION', 'a certificate job never recovered after the wrong-order rotation');
  const wrongOrder: WrongOrderOutcome = {
    window: wrongWindow,
    certScrapes: wrongCounts,
    failedScrapes: wrongCounts.total - wrongCounts.ok,
    recoverySeconds: recovery.seconds,
    steps: wrongSteps,
    finalIssuer: installed.at(-1)?.issuer ?? '?',
  };
  log(`wrong order: ${wrongOrder.failedScrapes} failed certificate scrapes, recovered after ${wrongOrder.recoverySeconds}s`);

  const leaks = scanLogDir(stack.logDir);
  if (leaks.length) throw new E2eError('E2E_ERR_ASSERTION', `secret material in logs: ${leaks.map((l) => `${l.what} in ${l.where}`).join('; ')}`);
  await writeReportSections(options.reportPath, {
    caRotation: {
      failedScrapes: procedure.failedScrapes,
      certScrapes: procedure.certScrapes,
      targets: targetNames,
      paths: CERT_PATHS,
      issuers: procedure.issuers,
      probesFromOldCa: procedure.probesFromOldCa,
      signerProbeSeconds: probeS,
      steps: procedure.steps,
      window: { start: window.start.toISOString(), end: window.end.toISOString() },
    },
    caRotationWrongOrder: {
      failedScrapes: wrongOrder.failedScrapes,
      recoverySeconds: wrongOrder.recoverySeconds,
      certScrapes: wrongOrder.certScrapes,
      steps: wrongOrder.steps,
      window: { start: wrongWindow.start.toISOString(), end: wrongWindow.end.toISOString() },
    },
  });
  return { procedure, wrongOrder, targets: targetNames, jobs: stack.jobs.length };
}

/** One gauge of the operator's own /metrics (the single identity's series). */
async function operatorGauge(stack: CertScrapeStack, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${stack.operator.metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The operator's `name{...,reason="<reason>"}` counter. */
async function operatorCounter(stack: CertScrapeStack, name: string, reason: string): Promise<number> {
  const text = await (await fetch(`${stack.operator.metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`reason="${reason}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}
