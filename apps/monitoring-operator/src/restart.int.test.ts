// kill -9 right after the CSR is created: the restarted operator resumes that same CSR.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { exportSpki, importPrivateKeyPem, parseCsr } from '@certscrape/pkcs';
import { localClusterFromInject, localClusterHandleFromInject, type LocalCluster } from '@certscrape/local-cluster/testing';
import {
  adminClients,
  CsrRecorder,
  grantOperator,
  operatorKubeconfig,
  readSecret,
  sleep,
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

const NS = uniqueNamespace('mo-restart');
let cluster: LocalCluster;
let admin: Admin;
let kubeconfig: string;
let dir: string;
const procs: OperatorProc[] = [];
let approval: Approval | undefined;
let csrs: CsrRecorder;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

beforeAll(async () => {
  const info = localClusterFromInject();
  cluster = await localClusterHandleFromInject();
  admin = adminClients(info);
  dir = tempDir('mo-restart-');
  await grantOperator(admin, NS);
  kubeconfig = await operatorKubeconfig(cluster, dir);
});

afterAll(async () => {
  for (const p of procs) await p.stop();
  await approval?.stop();
  csrs?.stop();
});

describe('restart safety', () => {
  it('kill -9 right after the CSR is created: the restarted operator finishes with that same CSR', async () => {
    // No approver yet: the CSR stays pending across the crash.
    let first: V1CertificateSigningRequest | undefined;
    let killed: Promise<void> | undefined;
    const operator1 = startOperator({ kubeconfig, namespace: NS, name: 'operator-1' });
    procs.push(operator1);
    csrs = new CsrRecorder(admin);
    await csrs.start((csr) => {
      if (!first) {
        first = csr;
        killed = operator1.kill9();
      }
    });
    await waitFor('the first CSR and the kill', async () => killed !== undefined, 90_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${operator1.tail()}`);
    });
    await killed;
    expect(operator1.exitInfo?.signal).toBe('SIGKILL');
    const name = first!.metadata!.name!;

    // The pending state names this CSR and holds the key it requests.
    const pending = await admin.core.readNamespacedSecret({ name: 'metrics-client-certs-pending', namespace: NS });
    expect(pending.metadata?.annotations?.['certscrape.io/csr-name']).toBe(name);
    const pendingKeys = await importPrivateKeyPem(Buffer.from(pending.data!['pending.key']!, 'base64').toString('utf8'));
    const requested = parseCsr(Buffer.from(first!.spec.request, 'base64').toString('utf8'));
    expect(hex(await exportSpki(pendingKeys))).toBe(hex(requested.spki));
    expect(await readSecret(admin, NS)).toBeUndefined();

    // Restart (it waits out the dead leader's lease), then let the approver in.
    const operator2 = startOperator({ kubeconfig, namespace: NS, name: 'operator-2' });
    procs.push(operator2);
    await operator2.waitForLog('resuming the pending CSR', (l) => l['msg'] === 'waiting for CSR approval' && l['csr'] === name, 120_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${operator2.tail()}`);
    });
    approval = await startApproval(admin, cluster, dir);
    process.stderr.write(`[monitoring-operator it] approvals by: ${approval.mode}\n`);
    const { cert } = await waitForValidSecret(admin, NS, () => true, 60_000);

    // Same CSR: the installed key is the one the first process generated, and no second CSR exists.
    expect(hex(cert.spki)).toBe(hex(requested.spki));
    await sleep(1_000);
    await csrs.assertWatchedThroughout();
    expect(csrs.created.map((c) => c.name)).toEqual([name]);
    await waitFor('the pending state to be cleared', async () => {
      const p = await admin.core.readNamespacedSecret({ name: 'metrics-client-certs-pending', namespace: NS });
      return p.metadata?.annotations?.['certscrape.io/csr-name'] === undefined && Object.keys(p.data ?? {}).length === 0;
    });
  }, 400_000);

  it('a pending CSR that vanishes (deleted before use) is replaced by a new one', async () => {
    const ns = uniqueNamespace('mo-vanish');
    await grantOperator(admin, ns);
    await approval?.stop();
    approval = undefined;
    const recorder = new CsrRecorder(admin);
    const seen: string[] = [];
    await recorder.start((csr) => void seen.push(csr.metadata!.name!));
    const operator = startOperator({ kubeconfig, namespace: ns, name: 'operator-vanish', args: ['--leader-elect=false'] });
    procs.push(operator);
    try {
      const first = await waitFor('the first CSR', async () => seen[0], 90_000);
      await operator.waitForLog('waiting for approval', (l) => l['msg'] === 'waiting for CSR approval' && l['csr'] === first, 60_000);
      await admin.certs.deleteCertificateSigningRequest({ name: first });
      const second = await waitFor('a replacement CSR', async () => seen[1], 60_000);
      expect(second).not.toBe(first);
      const events = await waitFor('a Vanished event', async () => {
        const list = await admin.core.listNamespacedEvent({ namespace: ns });
        return list.items.find((e) => e.reason === 'CertificateSigningRequestVanished');
      });
      expect(events.message).toContain(first);
      expect(await operator.metric('certscrape_monitoring_operator_csr_outcomes_total{outcome="vanished"}')).toBe(1);
      // And it completes with the replacement once approved.
      approval = await startApproval(admin, cluster, dir);
      await waitForValidSecret(admin, ns, () => true, 60_000);
    } finally {
      recorder.stop();
    }
  }, 300_000);
});
