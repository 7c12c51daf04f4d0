// A CSR nobody approves stalls the issuance: after --issuance-stall-seconds the operator says so
// (gauge issuance_stalled = 1, one Warning Event IssuanceStalled on the Secret) without any watch
// event to wake it, and the gauge returns to 0 once the certificate is issued.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClusterFromInject, localClusterHandleFromInject } from '@certscrape/local-cluster/testing';
import {
  adminClients,
  CsrRecorder,
  decideCsr,
  grantOperator,
  operatorKubeconfig,
  startOperator,
  tempDir,
  waitFor,
  waitForValidSecret,
  type Admin,
  type OperatorProc,
  uniqueNamespace,
} from './test-support/harness.js';

const NS = uniqueNamespace('mo-stall');
const STALL_SECONDS = 5;
const GAUGE = 'certscrape_monitoring_operator_issuance_stalled';
let admin: Admin;
let operator: OperatorProc;
let csrs: CsrRecorder;

beforeAll(async () => {
  admin = adminClients(localClusterFromInject());
  const cluster = await localClusterHandleFromInject();
  await grantOperator(admin, NS);
  const kubeconfig = await operatorKubeconfig(cluster, tempDir('mo-stall-'));
  // No approver: the first CSR stays Pending until the test approves it.
  csrs = new CsrRecorder(admin);
  await csrs.start();
  operator = startOperator({ kubeconfig, namespace: NS, args: ['--leader-elect=false', `--issuance-stall-seconds=${STALL_SECONDS}`] });
});

afterAll(async () => {
  await operator?.stop();
  csrs?.stop();
});

describe('a stalled issuance', () => {
  it('is surfaced after --issuance-stall-seconds by the gauge and one Warning Event, and cleared once issued', async () => {
    const csr = await waitFor('the first CSR', async () => csrs.created[0], 60_000);
    await waitFor('the stall gauge = 1', async () => (await operator.metric(GAUGE)) === 1, 60_000);
    const events = await waitFor('an IssuanceStalled Event on the Secret', async () => {
      const list = (await admin.core.listNamespacedEvent({ namespace: NS })).items.filter((e) => e.reason === 'IssuanceStalled');
      return list.length > 0 ? list : undefined;
    });
    expect(events[0]!.type).toBe('Warning');
    expect(events[0]!.involvedObject).toMatchObject({ kind: 'Secret', name: 'metrics-client-certs', namespace: NS });
    const waited = /not issued after (\d+)s/.exec(events[0]!.message ?? '');
    expect(events[0]!.message).toContain(`CertificateSigningRequest ${csr.name} not issued after`);
    expect(Number(waited?.[1])).toBeGreaterThanOrEqual(STALL_SECONDS);
    expect(events[0]!.message).toContain('no valid certificate is installed');
    expect(csrs.created).toHaveLength(1); // waiting, not re-requesting

    await decideCsr(admin, csr.name, 'Approved', 'issuance-stall integration test');
    await waitForValidSecret(admin, NS, () => true, 60_000);
    await waitFor('the stall gauge back to 0', async () => (await operator.metric(GAUGE)) === 0, 30_000);
    const after = (await admin.core.listNamespacedEvent({ namespace: NS })).items.filter((e) => e.reason === 'IssuanceStalled');
    expect(after.reduce((n, e) => n + (e.count ?? 1), 0)).toBe(1);
  }, 240_000);
});
