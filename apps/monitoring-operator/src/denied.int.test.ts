// A denied CSR is surfaced (Event on the Secret, metric, log with the approver's message),
// retried with growing delays, and the operator recovers once the approver allows it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClusterFromInject, localClusterHandleFromInject, type LocalCluster } from '@certscrape/local-cluster/testing';
import {
  adminClients,
  CsrRecorder,
  decideCsr,
  grantOperator,
  operatorKubeconfig,
  startApproval,
  startOperator,
  tempDir,
  waitFor,
  waitForValidSecret,
  type Admin,
  type Approval,
  type OperatorProc,
  uniqueNamespace,
} from './test-support/harness.js';

const NS = uniqueNamespace('mo-denied');
const DENIALS = 4;
const MESSAGE = 'integration test policy: not today';
let cluster: LocalCluster;
let admin: Admin;
let dir: string;
let operator: OperatorProc;
let approval: Approval | undefined;
let csrs: CsrRecorder;

beforeAll(async () => {
  const info = localClusterFromInject();
  cluster = await localClusterHandleFromInject();
  admin = adminClients(info);
  dir = tempDir('mo-denied-');
  await grantOperator(admin, NS);
  const kubeconfig = await operatorKubeconfig(cluster, dir);
  csrs = new CsrRecorder(admin);
  // The test plays a strict approver for the first DENIALS requests.
  await csrs.start((csr) => {
    if (csrs.created.length <= DENIALS) void decideCsr(admin, csr.metadata!.name!, 'Denied', MESSAGE);
  });
  operator = startOperator({ kubeconfig, namespace: NS, args: ['--leader-elect=false'] });
});

afterAll(async () => {
  await operator?.stop();
  await approval?.stop();
  csrs?.stop();
});

describe('denied CSRs', () => {
  it('surfaces each denial, retries with growing delays, and recovers once allowed', async () => {
    await waitFor(`${DENIALS} denied CSRs and one more attempt`, async () => csrs.created.length > DENIALS, 150_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${operator.tail()}`);
    });

    // Backoff: the gaps between attempts grow (1 s, 2 s, 4 s, 8 s nominal, ±20 % jitter).
    const at = csrs.created.map((c) => c.at);
    const gaps = at.slice(1, DENIALS + 1).map((t, i) => t - at[i]!);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!, JSON.stringify(gaps)).toBeGreaterThan(gaps[i - 1]!);
    expect(gaps[0]!, JSON.stringify(gaps)).toBeGreaterThan(600);
    expect(gaps.at(-1)!, JSON.stringify(gaps)).toBeGreaterThan(5_000);

    // Log line with the approver's message, an Event on the Secret, the metric.
    const denialLogs = operator.logs.filter((l) => l['outcome'] === 'denied');
    expect(denialLogs.length).toBeGreaterThanOrEqual(DENIALS);
    expect(String(denialLogs[0]!['message'])).toContain(MESSAGE);
    const events = await waitFor('Events on the Secret', async () => {
      const list = await admin.core.listNamespacedEvent({ namespace: NS });
      const denied = list.items.filter((e) => e.reason === 'CertificateSigningRequestDenied');
      return denied.length >= DENIALS ? denied : undefined;
    });
    expect(events[0]!.type).toBe('Warning');
    expect(events[0]!.involvedObject.kind).toBe('Secret');
    expect(events[0]!.involvedObject.name).toBe('metrics-client-certs');
    expect(events[0]!.message).toContain(MESSAGE);
    expect(await operator.metric('certscrape_monitoring_operator_csr_outcomes_total{outcome="denied"}')).toBeGreaterThanOrEqual(DENIALS);

    // The approver now allows it: the next (or current) CSR is approved and the Secret appears.
    approval = await startApproval(admin, cluster, dir);
    process.stderr.write(`[monitoring-operator it] approvals by: ${approval.mode}\n`);
    await waitForValidSecret(admin, NS, () => true, 60_000);
    await waitFor('the failure gauge to reset', async () => (await operator.metric('certscrape_monitoring_operator_issuance_failures')) === 0);
    expect(await operator.metric('certscrape_monitoring_operator_csr_outcomes_total{outcome="issued"}')).toBe(1);
  }, 300_000);
});
