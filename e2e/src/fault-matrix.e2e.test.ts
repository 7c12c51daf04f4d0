// Issue 18, fault matrix: one system (real control plane, two csr-approver replicas, the
// monitoring-operator, targets in a network namespace, a real Prometheus scraping them with the
// client certificate directly and through scraper-proxy) and ten faults, each a phase with its
// own figures in e2e/results/latest.json under `faults`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readE2eEnvironment } from './config.js';
import { runFaultMatrix, type FaultMatrixOutcome, type FaultRow } from './fault-matrix.js';
import { FAULT_MATRIX } from './faults/index.js';
import { killFaultKey, OPERATOR_KILL_STEPS } from './faults/operator-kill.js';
import { CleanupStack } from './support/cleanup-stack.js';
import { scratchDir } from './support/scratch-dir.js';

const MIN_SCRAPES_PER_JOB = 5;
const JOBS = 6; // node-app, node-exporter, etcd x cert, proxy
const env = readE2eEnvironment();
const cleanup = new CleanupStack();
let outcome: FaultMatrixOutcome;
let failed = false;

const row = (key: string): FaultRow => {
  const r = outcome.rows[key];
  if (!r) throw new Error(`no row ${key} (have ${Object.keys(outcome.rows).join(', ')})`);
  return r;
};
const detail = (key: string, name: string): unknown => row(key).details[name];

/** The checks every row shares: enough scrapes counted, a recovery time measured, nothing the operator wrote mismatched, no CSR left. */
function expectCleanRecovery(key: string): void {
  const r = row(key);
  expect(r.certScrapes.total, key).toBeGreaterThanOrEqual(MIN_SCRAPES_PER_JOB * JOBS);
  expect(r.recoverySeconds, key).toBeGreaterThan(0);
  expect(r.mismatchedPairs, key).toBe(0);
  expect(r.secretEventsChecked, key).toBeGreaterThan(0);
  expect(detail(key, 'csrsLeft'), key).toBe(0);
  expect(detail(key, 'newSerial'), key).toBe(true);
}

describe('fault matrix: what certscrape promises under each fault (issue 18)', () => {
  beforeAll(async () => {
    cleanup.installProcessHooks((l) => process.stderr.write(`[faults] ${l}\n`));
    const workDir = await scratchDir(cleanup, { keep: env.keepWorkDir, failureLogsDir: join(import.meta.dirname, '..', 'results', 'failure-logs-faults'), failed: () => failed });
    try {
      outcome = await runFaultMatrix(
        {
          workDir,
          reportPath: env.reportPath,
          intervalSeconds: env.intervalSeconds,
          minScrapesPerJob: MIN_SCRAPES_PER_JOB,
          ...(env.binDir ? { binDir: env.binDir } : {}),
          log: (l) => process.stderr.write(`[faults] ${l}\n`),
        },
        FAULT_MATRIX,
        cleanup,
      );
    } catch (e) {
      failed = true;
      throw e;
    }
  }, 25 * 60_000);

  afterAll(async () => {
    await cleanup.run();
  }, 120_000);

  it.each(OPERATOR_KILL_STEPS)('When monitoring-operator is SIGKILLed right after the %s step and started again, then it completes that issuance with one CSR, leaks none, never writes a mismatched pair, and no certificate scrape fails', (step) => {
    const key = killFaultKey(step);
    expectCleanRecovery(key);
    expect(row(key).certScrapes.ok).toBe(row(key).certScrapes.total);
    expect(detail(key, 'csrsCreated')).toBe(1);
  });

  it('When kube-controller-manager is down across a rotation deadline, then the operator keeps the valid pair, no certificate scrape fails, and it catches up when kube-controller-manager returns', () => {
    const key = 'controllerManagerDown';
    expectCleanRecovery(key);
    expect(row(key).certScrapes.ok).toBe(row(key).certScrapes.total);
    expect(detail(key, 'keptValidPair')).toBe(true);
    expect(detail(key, 'rotationBeganSecondsAfterStop')).toBeGreaterThan(0);
    expect(detail(key, 'rotationWaitedSecondsForSigner')).toBeGreaterThan(0);
    expect(detail(key, 'approvedUnsignedCsr')).toEqual(expect.any(String));
  });

  it('When kube-controller-manager is down across a rotation deadline, then the stall is surfaced (gauge issuance_stalled = 1, Warning Event IssuanceStalled) and cleared after the catch-up', () => {
    // Until the operator has --issuance-stall-seconds (issue 18, CA-rotation part) there is nothing to observe: this fails rather than passing vacuously.
    expect(outcome.stallSurfacing, 'monitoring-operator --help lists --issuance-stall-seconds').toBe(true);
    expect(detail('controllerManagerDown', 'stalledGauge')).toBe(1);
    expect(detail('controllerManagerDown', 'stalledEvents')).toBeGreaterThanOrEqual(1);
    expect(detail('controllerManagerDown', 'stallCleared')).toBe(true);
  });

  it('When etcd is restarted, then no certificate scrape fails, kube-apiserver serves again and the operator still issues', () => {
    expectCleanRecovery('etcdRestarted');
    expect(row('etcdRestarted').certScrapes.ok).toBe(row('etcdRestarted').certScrapes.total);
  });

  it('When kube-apiserver flaps (stopped and started 3 times within a minute), then no certificate scrape fails and the operator issues after the last start', () => {
    expectCleanRecovery('apiserverFlapping');
    expect(row('apiserverFlapping').certScrapes.ok).toBe(row('apiserverFlapping').certScrapes.total);
    expect(detail('apiserverFlapping', 'cycles')).toBe(3);
    expect(detail('apiserverFlapping', 'firstStopToLastStartSeconds')).toBeLessThanOrEqual(60);
  });

  it('When Secret metrics-client-certs is deleted while a rotation CSR is pending, then the operator writes it again with the new pair and no certificate scrape fails', () => {
    expectCleanRecovery('secretDeletedDuringRotation');
    expect(row('secretDeletedDuringRotation').certScrapes.ok).toBe(row('secretDeletedDuringRotation').certScrapes.total);
  });

  it('When a mismatched key is written into tls.key while a rotation CSR is pending, then the operator replaces the pair and never writes a mismatched one itself; no scrape through scraper-proxy fails (it keeps the last good pair), and any failed scrape is a direct one', () => {
    const key = 'secretTamperedDuringRotation';
    expectCleanRecovery(key);
    const r = row(key);
    expect(r.faultWrittenMismatchedPairs).toBeGreaterThanOrEqual(1);
    expect(r.byPath.proxy.ok).toBe(r.byPath.proxy.total);
    expect(r.certScrapes.total - r.certScrapes.ok).toBe(r.byPath.cert.total - r.byPath.cert.ok);
  });

  it('When the leading csr-approver is SIGKILLed while the CSR is pending, then the other replica takes over and approves it, and no certificate scrape fails', () => {
    const key = 'approverLeaderKilled';
    expectCleanRecovery(key);
    expect(row(key).certScrapes.ok).toBe(row(key).certScrapes.total);
    expect(detail(key, 'pendingAtKill')).toBe(true);
    expect(detail(key, 'decidedByOtherReplica')).toBe(true);
  });

  it('Then across the whole run no pair the operator wrote ever mismatched (every watch event of the Secret checked), and no process log holds key or token material', () => {
    const own = new Set(Object.values(outcome.rows).flatMap((r) => (r.faultWrittenMismatchedPairs > 0 ? [r.window] : [])));
    expect(own.size).toBe(1);
    const mismatches = outcome.pairChecks.filter((c) => c.verdict === 'mismatch').length;
    expect(mismatches).toBe(row('secretTamperedDuringRotation').faultWrittenMismatchedPairs);
    expect(outcome.pairChecks.length).toBeGreaterThanOrEqual(FAULT_MATRIX.length);
    expect(outcome.logLeaks).toBe(0);
  });

  it('And e2e/results/latest.json holds `faults` with every row: certScrapes {ok, total}, recoverySeconds, mismatchedPairs', () => {
    const onDisk = JSON.parse(readFileSync(env.reportPath, 'utf8')) as { faults: Record<string, { certScrapes: { ok: number; total: number }; recoverySeconds: number; mismatchedPairs: number }> };
    expect(Object.keys(onDisk.faults).sort()).toEqual(FAULT_MATRIX.map((f) => f.key).sort());
    for (const [key, r] of Object.entries(outcome.rows)) {
      expect(onDisk.faults[key]?.certScrapes, key).toEqual(r.certScrapes);
      expect(onDisk.faults[key]?.recoverySeconds, key).toBe(r.recoverySeconds);
      expect(onDisk.faults[key]?.mismatchedPairs, key).toBe(r.mismatchedPairs);
    }
  });
});
