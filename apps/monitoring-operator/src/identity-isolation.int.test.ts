// One identity's namespace refusing the operator (its RBAC missing) must not hold up another
// identity: each identity's Secret cache syncs on its own, and its key waits alone.
//
// Given  the operator with identities A (granted exactly deploy/'s Role) and C (a namespace with no grant at all)
// When   it runs, with the real csr-approver knowing both
// Then   A's Secret is issued and valid, C's watch is refused (403) and C gets no CSR and no Secret.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClusterFromInject, localClusterHandleFromInject, type LocalCluster } from '@certscrape/local-cluster/testing';
import {
  adminClients,
  CsrRecorder,
  ensureNamespace,
  grantOperator,
  OPERATOR_USERNAME,
  operatorKubeconfig,
  readSecret,
  startApproval,
  startOperator,
  tempDir,
  uniqueNamespace,
  waitFor,
  waitForValidSecret,
  writeIdentitiesFile,
  type Admin,
  type Approval,
  type OperatorProc,
} from './test-support/harness.js';

const NS_A = uniqueNamespace('mo-iso-a');
const NS_C = uniqueNamespace('mo-iso-c');
const A = 'system:serviceaccount:monitoring:prometheus-k8s';
const C = 'system:serviceaccount:tenant-c:prometheus-tenant-c';
let cluster: LocalCluster;
let admin: Admin;
let operator: OperatorProc | undefined;
let approval: Approval | undefined;
let csrs: CsrRecorder;

beforeAll(async () => {
  cluster = await localClusterHandleFromInject();
  admin = adminClients(localClusterFromInject());
  const dir = tempDir('mo-iso-');
  await grantOperator(admin, NS_A);
  await ensureNamespace(admin, NS_C);
  // C first: a refused identity ahead of A in the file must not hold A up either.
  const file = writeIdentitiesFile(join(dir, 'identities.yaml'), [
    { username: C, secret: { namespace: NS_C, name: 'metrics-client-certs' } },
    { username: A, secret: { namespace: NS_A, name: 'metrics-client-certs' } },
  ]);
  csrs = new CsrRecorder(admin, OPERATOR_USERNAME, 'certscrape.io/csr-subject in (prometheus-k8s,prometheus-tenant-c)');
  await csrs.start();
  approval = await startApproval(admin, cluster, dir, [`--identities-file=${file}`]);
  operator = startOperator({ kubeconfig: await operatorKubeconfig(cluster, dir), namespace: NS_A, args: ['--leader-elect=false', `--identities-file=${file}`] });
});

afterAll(async () => {
  await operator?.stop();
  await approval?.stop();
  csrs?.stop();
});

describe('an identity whose namespace refuses the operator', () => {
  it('does not hold up another identity', async () => {
    const { cert } = await waitForValidSecret(admin, NS_A, () => true, 90_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${operator!.tail()}`);
    });
    expect(cert.subject.flat().map((a) => a.value)).toEqual([A]);
    // C's cache was refused (the operator says so), and nothing was requested or written for C.
    await waitFor("the operator's report that C's Secret cannot be watched", () => /forbidden|403/i.test(operator!.tail(400)) || undefined, 30_000);
    expect(csrs.created.filter((c) => c.csr.metadata?.labels?.['certscrape.io/csr-subject'] === 'prometheus-tenant-c')).toEqual([]);
    expect(await readSecret(admin, NS_C)).toBeUndefined();
    expect(await operator!.metric(`certscrape_monitoring_operator_csrs_created_total{identity="${C}"}`)).toBe(0);
  }, 180_000);
});
