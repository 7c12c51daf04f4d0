// Issue 9: scraping with a client certificate survives a cut kube-apiserver — proven end to end
// with a real control plane, the real controllers, targets in a network namespace and a real
// Prometheus. Numbers come from Prometheus's own `up` series and kube-apiserver's own counters.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterStatus } from '@certscrape/local-cluster';
import { readE2eEnvironment } from './config.js';
import { PLATFORM_ONLY_PATH, SCRAPER, USER_WORKLOAD, runScenario, type ScenarioOutcome } from './scenario.js';
import { CleanupStack } from './support/cleanup-stack.js';
import { runCommand } from './support/run-command.js';
import { MIN_CERT_SCRAPES_PER_PHASE } from './support/report.js';
import { CONTROLLER_MANAGER_TARGETS, targetCount } from './support/controller-manager-verdicts.js';
import { countDrawnCells, parseDrawnPicture, reportedCounts } from './support/report-html-reading.js';
import { scratchDir } from './support/scratch-dir.js';
import { waitFor } from './support/wait-for.js';
import { pidExists } from './support/managed-process.js';

const env = readE2eEnvironment();
const cleanup = new CleanupStack();
let outcome: ScenarioOutcome;
let workDir: string;
let failed = false;

describe('client-certificate scraping survives a cut kube-apiserver (issue 9)', () => {
  beforeAll(async () => {
    cleanup.installProcessHooks((l) => process.stderr.write(`[e2e] ${l}\n`));
    workDir = await scratchDir(cleanup, { keep: env.keepWorkDir, failureLogsDir: join(import.meta.dirname, '..', 'results', 'failure-logs'), failed: () => failed });
    try {
      outcome = await runScenario(
        {
          workDir,
          reportPath: env.reportPath,
          intervalSeconds: env.intervalSeconds,
          signingDurationSeconds: env.signingDurationSeconds,
          ...(env.binDir ? { binDir: env.binDir } : {}),
          events: {
            step: (s) => process.stderr.write(`[e2e] step ${s.n}: ${s.title}\n`),
            detail: (l) => process.stderr.write(`[e2e]   ${l}\n`),
            progress: (l) => process.stderr.write(`[e2e]   ${l}\n`),
          },
        },
        cleanup,
      );
    } catch (e) {
      failed = true;
      throw e;
    }
  }, 8 * 60_000);

  afterAll(async () => {
    await cleanup.run();
  }, 120_000);

  it('Given the operator ran: Secret metrics-client-certs holds a certificate for the scraper identity, issued through an approved CSR', () => {
    expect(outcome.issued.subject).toBe(`CN=${SCRAPER.identity}`);
    expect(outcome.issued.approval).toMatch(/^Approved .* for requester system:serviceaccount:monitoring:monitoring-operator, signer kubernetes.io\/kube-apiserver-client$/);
    expect(outcome.issued.notAfter.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('Given two identities in one identities file, each Secret holds a certificate for its own identity (issue 17)', () => {
    expect(outcome.userWorkload.secret).toBe(`${USER_WORKLOAD.namespace}/${USER_WORKLOAD.secret}`);
    expect(outcome.userWorkload.subject).toBe(`CN=${USER_WORKLOAD.identity}`);
    expect(outcome.issued.subject).toBe(`CN=${SCRAPER.identity}`);
    // Two certificates of their own, never one Secret's pair in the other.
    expect(outcome.userWorkload.serials.filter((s) => outcome.serials.includes(s))).toEqual([]);
  });

  it('When the namespace is cut off and then kube-apiserver is stopped, then every scrape of each identity\'s own jobs succeeds, and each identity\'s Secret rotated', () => {
    const ids = outcome.report.identities ?? {};
    expect(Object.keys(ids).sort()).toEqual([SCRAPER.identity, USER_WORKLOAD.identity].sort());
    for (const [username, id] of Object.entries(ids)) {
      for (const phase of ['cut', 'apiserverDown'] as const) {
        expect(id[phase].total, `${username} ${phase}`).toBeGreaterThanOrEqual(MIN_CERT_SCRAPES_PER_PHASE);
        expect(id[phase].ok, `${username} ${phase}`).toBe(id[phase].total);
      }
      expect(id.rotations, username).toBeGreaterThanOrEqual(1);
    }
  });

  it(`When the namespace is cut off, then the target whose rules admit only the platform identity on ${PLATFORM_ONLY_PATH} answers it 200 and the user-workload identity 403 — every time`, () => {
    for (const phase of ['cut', 'apiserverDown'] as const) {
      const probes = outcome.perIdentityProbes[phase];
      const platform = probes[SCRAPER.identity] ?? {};
      const userWorkload = probes[USER_WORKLOAD.identity] ?? {};
      expect(Object.keys(platform), phase).toEqual(['200']);
      expect(Object.keys(userWorkload), phase).toEqual(['403']);
      expect(platform['200'], phase).toBeGreaterThanOrEqual(3);
      expect(userWorkload['403'], phase).toBe(platform['200']);
    }
  });

  it('When the cut is in place, the namespace really cannot reach kube-apiserver (it could before)', () => {
    expect(outcome.route.beforeCut.reached).toBe(true);
    expect(outcome.route.duringCut.reached).toBe(false);
  });

  it('When the target namespace loses its route to kube-apiserver, then every certificate scrape succeeds', () => {
    const { cert } = outcome.report.cut;
    expect(cert.total).toBeGreaterThanOrEqual(MIN_CERT_SCRAPES_PER_PHASE);
    expect(cert.ok).toBe(cert.total);
  });

  it('When the target namespace loses its route to kube-apiserver, then every token scrape fails', () => {
    const { token } = outcome.report.cut;
    expect(token.total).toBeGreaterThan(0);
    expect(token.ok).toBe(0);
  });

  it('When kube-apiserver is stopped altogether, then every certificate scrape of the targets succeeds', () => {
    const { cert } = outcome.report.apiserverDown;
    expect(cert.total).toBeGreaterThanOrEqual(MIN_CERT_SCRAPES_PER_PHASE);
    expect(cert.ok).toBe(cert.total);
  });

  it('Given a kube-controller-manager bound to loopback behind the sidecar, when the namespace is cut off and then kube-apiserver is stopped, then every certificate scrape of it succeeds', () => {
    for (const phase of ['baseline', 'cut', 'apiserverDown']) {
      const c = targetCount(outcome.report, CONTROLLER_MANAGER_TARGETS.fronted, phase, 'cert');
      expect(c.total, phase).toBeGreaterThanOrEqual(MIN_CERT_SCRAPES_PER_PHASE);
      expect(c.ok, phase).toBe(c.total);
    }
  });

  it('Given a stock kube-controller-manager scraped with a token (SubjectAccessReview, 10 s cache), when the namespace is cut off, then its scrapes fail (they succeeded before)', () => {
    const before = targetCount(outcome.report, CONTROLLER_MANAGER_TARGETS.stock, 'baseline', 'token');
    expect(before.total).toBeGreaterThan(0);
    expect(before.ok).toBe(before.total);
    const cut = targetCount(outcome.report, CONTROLLER_MANAGER_TARGETS.stock, 'cut', 'token');
    expect(cut.total).toBeGreaterThan(0);
    expect(cut.ok).toBeLessThan(cut.total);
  });

  it('When the operator rotates the pair, then it reaches the files and the proxy with no failed certificate scrape', () => {
    expect(outcome.report.rotation.rotations).toBeGreaterThanOrEqual(1);
    expect(outcome.report.rotation.failedScrapes).toBe(0);
    expect(new Set(outcome.serials).size).toBeGreaterThanOrEqual(2);
  });

  it('Then a certificate scrape costs kube-apiserver no request, a token scrape at least one', () => {
    expect(outcome.report.apiserverRequestsPerScrape.cert).toBe(0);
    expect(outcome.report.apiserverRequestsPerScrape.token).toBeGreaterThanOrEqual(1);
  });

  it('And e2e/results/latest.json holds exactly these numbers in the issue shape', () => {
    const onDisk = JSON.parse(readFileSync(outcome.reportPath, 'utf8')) as Record<string, unknown>;
    // Other e2e files add their own top-level keys (caRotation, faults): latest.json is written by sections.
    expect(Object.keys(onDisk)).toEqual(expect.arrayContaining(['apiserverDown', 'apiserverRequestsPerScrape', 'cut', 'identities', 'rotation', 'targets']));
    const ours = Object.fromEntries(Object.entries(onDisk).filter(([key]) => key in outcome.report));
    const { targets: _t, ...shape } = outcome.report;
    const { targets: _d, ...diskShape } = ours;
    expect(diskShape).toEqual(JSON.parse(JSON.stringify(shape)));
    expect(outcome.verdicts.filter((v) => !v.holds)).toEqual([]);
  });

  it('And e2e/results/latest.html draws it: a band per phase, a row per job, and in each band the cells latest.json counts', () => {
    const drawn = parseDrawnPicture(readFileSync(outcome.htmlPath, 'utf8'));
    expect(drawn.bands.map((b) => b.key)).toEqual(expect.arrayContaining(['baseline', 'cut', 'apiserverDown', 'rotation', 'loadStep']));
    expect(drawn.bands.map((b) => b.key)).toEqual(outcome.timeline.phases.map((p) => p.key));
    expect(drawn.rows.length).toBeGreaterThanOrEqual(12);
    expect(countDrawnCells(drawn)).toEqual(reportedCounts(JSON.parse(readFileSync(outcome.reportPath, 'utf8')), drawn));
  });

  it('And the cleanup leaves no network namespace, veth link or control-plane process behind', async () => {
    const before = await clusterStatus(join(workDir, 'cluster'));
    const pids = Object.values(before.processes ?? {}).map((p) => p.pid);
    expect(pids.length).toBeGreaterThanOrEqual(3);
    await cleanup.run();
    // A process that has exited stays a zombie until this process's event loop reaps it (seen on a busy machine: still "alive" right after the cleanup).
    const procState = (pid: number): string => (existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.slice(0, 1) ?? '?' : 'gone');
    for (const pid of pids) await waitFor(() => (pidExists(pid) ? undefined : true), { what: `pid ${pid} to be gone (state ${procState(pid)})`, timeoutMs: 15_000, intervalMs: 100 });
    expect(await runCommand(['ip', 'netns', 'list'])).not.toContain(outcome.namespace);
    expect(await runCommand(['ip', '-o', 'link'])).not.toContain(`cse${process.pid}h`);
    const status = await clusterStatus(join(workDir, 'cluster'));
    expect(status.live).toBe(false);
    if (!env.keepWorkDir) expect(existsSync(workDir)).toBe(false);
  }, 120_000);
});
