import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upLocalCluster } from '@certscrape/local-cluster';
import type { LocalCluster } from '@certscrape/local-cluster';
import { subjectAltNameExtension } from '@certscrape/pkcs';
import { localClusterFromInject, waitFor } from '@certscrape/local-cluster/testing';
import { conditionTypes, isDecided, pemCsr, prepareIdentities, sleep, startApprover, submitCsr, waitForCsr } from './testing/harness.js';
import type { ApproverProcess, Identities } from './testing/harness.js';

// A dedicated control plane: stopping the shared one would disturb whoever else uses it.
let cluster: LocalCluster;
let dir: string;
let ids: Identities;
let approver: ApproverProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'csr-approver-restart-'));
  cluster = await upLocalCluster({ stateDir: join(dir, 'cluster'), binDir: localClusterFromInject().binDir });
  ids = await prepareIdentities(cluster, dir);
}, 300_000);

afterAll(async () => {
  if (approver) expect(await approver.stop()).toBe(0);
  await cluster?.down();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

async function metric(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

describe('apiserver restart', () => {
  it('the approver survives a kube-apiserver outage (with leader election) and decides CSRs created after it', async () => {
    approver = startApprover(['--kubeconfig', ids.approver, '--metrics-bind-address=127.0.0.1:0', '--metrics-secure=false', '--health-probe-bind-address=127.0.0.1:0']);
    const started = await approver.started();
    const metricsUrl = String(started['metricsUrl']);
    const healthUrl = String(started['healthUrl']);
    await approver.waitForLine((l) => l['msg'] === 'became leader', 30_000);

    expect(await submitCsr(ids.operator, { name: 'before-outage', request: await pemCsr() })).toEqual({ created: true });
    expect(conditionTypes(await waitForCsr(cluster.info, 'before-outage', isDecided))).toContain('Approved');

    await cluster.stopApiserver();
    // The watch drops and reconnects fail; the process stays up and its liveness probe answers.
    await waitFor(async () => (await metric(metricsUrl, 'certscrape_csr_approver_informer_watching')) === 0, { what: 'the informer to report it is not watching', timeoutMs: 15_000, intervalMs: 250 });
    await sleep(12_000); // longer than the 10 s renew deadline: leadership is lost and must be regained
    expect(approver.running).toBe(true);
    expect((await fetch(`${healthUrl}/healthz`)).status).toBe(200);
    expect(await metric(metricsUrl, 'certscrape_csr_approver_informer_consecutive_failures')).toBeGreaterThan(0);

    await cluster.startApiserver();
    const legit = 'after-outage-legit';
    const hostile = 'after-outage-hostile';
    expect(await submitCsr(ids.operator, { name: legit, request: await pemCsr() })).toEqual({ created: true });
    expect(await submitCsr(ids.operator, { name: hostile, request: await pemCsr({ extensions: [subjectAltNameExtension([{ type: 'ip', value: '10.0.0.1' }])] }) })).toEqual({
      created: true,
    });
    expect(conditionTypes(await waitForCsr(cluster.info, legit, (c) => Boolean(c.status?.certificate), 60_000))).toEqual(['Approved']);
    expect(conditionTypes(await waitForCsr(cluster.info, hostile, isDecided, 60_000))).toEqual(['Denied']);
    expect(await metric(metricsUrl, 'certscrape_csr_approver_informer_watching')).toBe(1);
    expect(await metric(metricsUrl, 'certscrape_csr_approver_leader')).toBe(1);
    const decided = approver.decisions().map((d) => d.csr);
    expect(decided.filter((n) => n === 'before-outage')).toHaveLength(1);
    expect(approver.running).toBe(true);
  });
});
