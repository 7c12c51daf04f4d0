// kube-apiserver stopped for a while: the operator backs off without crashing or touching the
// Secret, and works again when the apiserver returns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClusterFromInject, localClusterHandleFromInject, type LocalCluster } from '@certscrape/local-cluster/testing';
import {
  adminClients,
  grantOperator,
  operatorKubeconfig,
  readSecret,
  sleep,
  startApproval,
  startOperator,
  tempDir,
  waitForValidSecret,
  type Admin,
  type Approval,
  type OperatorProc,
  uniqueNamespace,
} from './test-support/harness.js';

const NS = uniqueNamespace('mo-outage');
let cluster: LocalCluster;
let admin: Admin;
let operator: OperatorProc;
let approval: Approval;

beforeAll(async () => {
  const info = localClusterFromInject();
  cluster = await localClusterHandleFromInject();
  admin = adminClients(info);
  const dir = tempDir('mo-outage-');
  await grantOperator(admin, NS);
  const kubeconfig = await operatorKubeconfig(cluster, dir);
  approval = await startApproval(admin, cluster, dir);
  operator = startOperator({ kubeconfig, namespace: NS });
});

afterAll(async () => {
  await cluster?.startApiserver();
  await operator?.stop();
  await approval?.stop();
});

describe('kube-apiserver outage', () => {
  it('backs off without crashing or touching the Secret, and recovers', async () => {
    const { secret } = await waitForValidSecret(admin, NS, () => true, 90_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${operator.tail()}`);
    });
    const rv = secret.metadata!.resourceVersion!;
    const { health } = await operator.urls();
    const logsBefore = operator.logs.length;
    // The approver is not under test here: stop it now, start a fresh one afterwards.
    await approval.stop();

    await cluster.stopApiserver();
    try {
      await sleep(25_000);
      expect(operator.alive).toBe(true);
      expect((await fetch(`${health}/healthz`)).status).toBe(200);
      const outageLogs = operator.logs.slice(logsBefore);
      // It noticed and backed off (informer and/or lease renewal), instead of spinning.
      expect(outageLogs.some((l) => /backing off|retrying|failed to renew|stepping down/.test(String(l['msg'])))).toBe(true);
      expect(outageLogs.length).toBeLessThan(400);
    } finally {
      await cluster.startApiserver();
    }

    // Back: the Secret was not touched, and the operator works again (a deleted Secret comes back).
    await sleep(5_000);
    expect(operator.alive).toBe(true);
    expect((await readSecret(admin, NS))?.metadata?.resourceVersion).toBe(rv);
    approval = await startApproval(admin, cluster, tempDir('mo-outage-'));
    await admin.core.deleteNamespacedSecret({ name: 'metrics-client-certs', namespace: NS });
    const { secret: again } = await waitForValidSecret(admin, NS, () => true, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${operator.tail()}`);
    });
    expect(again.metadata?.uid).not.toBe(secret.metadata?.uid);
  }, 300_000);
});
