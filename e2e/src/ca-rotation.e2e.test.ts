// Issue 18: the CSR signing CA of a real control plane is rotated while a real Prometheus scrapes
// every target by client certificate (directly and through the scraper-proxy): by the documented
// procedure not one certificate scrape fails; in the wrong order (old CA removed first) they do,
// and the report says how many and for how long. docs/ca-rotation.md.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaRotation, type CaRotationOutcome } from './ca-rotation.js';
import { readE2eEnvironment } from './config.js';
import { CleanupStack } from './support/cleanup-stack.js';
import { readReportObject } from './support/report-sections.js';
import { scratchDir } from './support/scratch-dir.js';

const env = readE2eEnvironment();
const cleanup = new CleanupStack();
const PROBE_SECONDS = 15;
let outcome: CaRotationOutcome;
let failed = false;

describe('signer CA rotation with a real control plane and a real Prometheus (issue 18)', () => {
  beforeAll(async () => {
    cleanup.installProcessHooks((l) => process.stderr.write(`[e2e] ${l}\n`));
    const failureLogsDir = join(import.meta.dirname, '..', 'results', 'failure-logs');
    const workDir = await scratchDir(cleanup, { keep: env.keepWorkDir, failureLogsDir, failed: () => failed });
    const log = (l: string): boolean => process.stderr.write(`[e2e ca-rotation] ${l}\n`);
    const options = { workDir, reportPath: env.reportPath, intervalSeconds: env.intervalSeconds, signerProbeSeconds: PROBE_SECONDS, log, ...(env.binDir ? { binDir: env.binDir } : {}) };
    // A failed run keeps its logs (scratchDir copies them to results/failure-logs).
    outcome = await runCaRotation(options, cleanup).catch((e: unknown) => {
      failed = true;
      throw e;
    });
  }, 12 * 60_000);

  afterAll(() => cleanup.run(), 120_000);

  it('Given the procedure (new CA into the bundle, everywhere, then the signer, then the re-issue, then the old CA out), then no certificate scrape fails', () => {
    const { certScrapes, failedScrapes } = outcome.procedure;
    // Every certificate job (namespace targets and kube-apiserver, direct and via the proxy) scraped throughout.
    expect(certScrapes.total).toBeGreaterThanOrEqual(outcome.jobs * 10);
    expect(failedScrapes).toBe(0);
    expect(certScrapes.ok).toBe(certScrapes.total);
  });

  it('When kube-controller-manager signs with the new CA, the operator re-issues from it before the old CA leaves the bundle (reason signer-rotated)', () => {
    const p = outcome.procedure;
    expect(p.reissuedBeforeRemoval).toBe(true);
    expect(p.issuers[0]).toBe('CN=certscrape-local-cluster-signer');
    expect(p.issuers.at(-1)).toBe('CN=certscrape-local-cluster-signer-2');
    expect(p.signerRotatedInstalls).toBeGreaterThanOrEqual(1);
  });

  it('While the new CA is in the bundle but not yet the signer, the operator re-issues at most once per --signer-probe-seconds (no loop) and says so in signer_rotation_pending', () => {
    const p = outcome.procedure;
    expect(p.signerRotationPending).toEqual({ afterAdd: 1, afterReissue: 0 });
    expect(p.probesFromOldCa).toBeLessThanOrEqual(Math.floor(p.secondsBeforeSwitch / PROBE_SECONDS) + 1);
  });

  it('If the old CA is removed before the signer switched (wrong order), certificate scrapes fail until the operator re-issues from the new CA, and they recover', () => {
    const w = outcome.wrongOrder;
    expect(w.failedScrapes).toBeGreaterThan(0);
    expect(w.failedScrapes).toBe(w.certScrapes.total - w.certScrapes.ok);
    expect(w.recoverySeconds).toBeGreaterThan(0);
    expect(w.finalIssuer).toBe('CN=certscrape-local-cluster-signer-3');
  });

  it('Then e2e/results/latest.json carries caRotation and caRotationWrongOrder with those figures', async () => {
    const report = await readReportObject(env.reportPath);
    expect(report.caRotation).toMatchObject({ failedScrapes: 0, certScrapes: outcome.procedure.certScrapes });
    expect(report.caRotationWrongOrder).toMatchObject({ failedScrapes: outcome.wrongOrder.failedScrapes, recoverySeconds: outcome.wrongOrder.recoverySeconds });
  });
});
