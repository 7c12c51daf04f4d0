// Given a fresh namespace and the operator running as monitoring/monitoring-operator with its
// least-privilege RBAC, the Secret appears, authenticates as the scraper, survives deletion and
// tampering, and the client CA mirror follows the cluster bundle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Secret } from '@kubernetes/client-node';
import { createTestCa, issueTestLeaf } from '@certscrape/pkcs/testing';
import { localClusterFromInject, localClusterHandleFromInject, type ClusterInfo, type LocalCluster } from '@certscrape/local-cluster/testing';
import {
  adminClients,
  checkSecretPair,
  containsKeyMaterial,
  CsrRecorder,
  grantOperator,
  operatorKubeconfig,
  readSecret,
  requestWithClientCert,
  SCRAPER_USERNAME,
  SecretRecorder,
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

const NS = uniqueNamespace('mo-main');
let info: ClusterInfo;
let cluster: LocalCluster;
let admin: Admin;
let approval: Approval;
let operator: OperatorProc;
let csrs: CsrRecorder;
let secrets: SecretRecorder;
const keyPems: string[] = [];

const b64d = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

beforeAll(async () => {
  info = localClusterFromInject();
  cluster = await localClusterHandleFromInject();
  admin = adminClients(info);
  const dir = tempDir('mo-main-');
  await grantOperator(admin, NS);
  const kubeconfig = await operatorKubeconfig(cluster, dir);
  approval = await startApproval(admin, cluster, dir);
  process.stderr.write(`[monitoring-operator it] approvals by: ${approval.mode}\n`);
  csrs = new CsrRecorder(admin);
  await csrs.start();
  secrets = new SecretRecorder(admin, NS);
  await secrets.start();
  operator = startOperator({ kubeconfig, namespace: NS });
});

afterAll(async () => {
  await operator?.stop();
  await approval?.stop();
  csrs?.stop();
  secrets?.stop();
});

describe('monitoring-operator against the local control plane', () => {
  it('from nothing, the Secret appears with a valid pair within seconds, and the cert authenticates as the scraper (403, not 401)', async () => {
    // Generous wait: node start-up on a loaded 2-core machine is slow; the operator's own time is asserted below.
    const { secret, cert } = await waitForValidSecret(admin, NS, () => true, 90_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${operator.tail()}`);
    });
    const leading = await operator.waitForLog('became leader', (l) => l['msg'] === 'became leader');
    const created = new Date(secret.metadata!.creationTimestamp!).getTime();
    // From leadership to the written Secret: seconds (creationTimestamp has 1 s resolution).
    expect(created - Date.parse(String(leading['time']))).toBeLessThan(10_000);
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(cert.subject).toHaveLength(1);
    expect(cert.subject[0]?.[0]?.value).toBe(SCRAPER_USERNAME);
    const keyPem = b64d(secret.data?.['tls.key']);
    keyPems.push(keyPem);

    const res = await requestWithClientCert(info, b64d(secret.data?.['tls.crt']), keyPem);
    expect(res.status).toBe(403);
    expect((JSON.parse(res.body) as { message: string }).message).toContain(`User "${SCRAPER_USERNAME}"`);
  }, 150_000);

  it('used exactly one CSR, with the generateName prefix, label, signer and usages, created by the operator SA, and deleted it after use', async () => {
    await csrs.assertWatchedThroughout();
    expect(csrs.created).toHaveLength(1);
    const first = csrs.created[0]!.csr;
    expect(first.metadata?.name).toMatch(/^certscrape-metrics-client-/);
    expect(first.metadata?.generateName).toBe('certscrape-metrics-client-');
    expect(first.metadata?.labels?.['certscrape.io/csr-subject']).toBe('prometheus-k8s');
    expect(first.spec.signerName).toBe('kubernetes.io/kube-apiserver-client');
    expect(first.spec.usages).toEqual(['digital signature', 'client auth']);
    expect(b64d(first.spec.request)).not.toContain('PRIVATE KEY');
    await waitFor('the used CSR to be deleted', async () => {
      try {
        await admin.certs.readCertificateSigningRequest({ name: first.metadata!.name! });
        return false;
      } catch (e) {
        return (e as { code?: number }).code === 404;
      }
    });
  });

  it('mirrors client-ca-file into the ConfigMap key client-ca.crt', async () => {
    const source = await admin.core.readNamespacedConfigMap({ name: 'extension-apiserver-authentication', namespace: 'kube-system' });
    const mirror = await waitFor('the CA mirror', async () => admin.core.readNamespacedConfigMap({ name: 'metrics-client-ca', namespace: NS }).catch(() => undefined));
    expect(mirror.data?.['client-ca.crt']).toBe(source.data?.['client-ca-file']);
  });

  it('exports the not-after gauge, the rotation and CSR outcome counters, and readiness', async () => {
    const secret = (await readSecret(admin, NS))!;
    const { cert } = await checkSecretPair(secret);
    await waitFor('the not-after gauge', async () => (await operator.metric('certscrape_monitoring_operator_certificate_not_after_timestamp_seconds')) === cert!.notAfter.getTime() / 1000);
    expect(await operator.metric('certscrape_monitoring_operator_rotations_total{reason="missing"}')).toBe(1);
    expect(await operator.metric('certscrape_monitoring_operator_csr_outcomes_total{outcome="issued"}')).toBe(1);
    const { health } = await operator.urls();
    expect((await fetch(`${health}/healthz`)).status).toBe(200);
    await waitFor('readyz 200', async () => (await fetch(`${health}/readyz`)).status === 200);
  });

  it('if the Secret is deleted, it is recreated with a new valid pair', async () => {
    const before = (await readSecret(admin, NS))!;
    await admin.core.deleteNamespacedSecret({ name: 'metrics-client-certs', namespace: NS });
    const { secret } = await waitForValidSecret(admin, NS, (_c, s) => s.metadata?.uid !== before.metadata?.uid, 30_000);
    keyPems.push(b64d(secret.data?.['tls.key']));
    expect(secret.data?.['tls.crt']).not.toBe(before.data?.['tls.crt']);
  });

  // Repaired, not necessarily re-issued: when the tampering lands while the previous issuance is
  // still being cleaned up (its pending state and CSR still there, as under load), the operator
  // re-installs that issuance's own pair, which is as good; otherwise it issues a new one.
  it('if the key is replaced by another key, the pair is repaired with a key of the operator', async () => {
    const before = (await readSecret(admin, NS))!;
    const other = await issueTestLeaf(await createTestCa(), { commonName: SCRAPER_USERNAME });
    const tampered = await admin.core.replaceNamespacedSecret({ name: 'metrics-client-certs', namespace: NS, body: { ...before, data: { ...before.data, 'tls.key': Buffer.from(other.keyPem).toString('base64') } } });
    // A write after the tampering (etcd revisions grow) that holds a matching pair without the foreign key.
    const after = (s: V1Secret): boolean => Number(s.metadata?.resourceVersion) > Number(tampered.metadata?.resourceVersion) && b64d(s.data?.['tls.key']) !== other.keyPem;
    const { secret } = await waitForValidSecret(admin, NS, (_c, s) => after(s), 30_000);
    keyPems.push(b64d(secret.data?.['tls.key']));
    expect(b64d(secret.data?.['tls.key'])).not.toBe(other.keyPem);
  });

  it('if the certificate is for another subject (with its own matching key), the pair is re-issued', async () => {
    const before = (await readSecret(admin, NS))!;
    const other = await issueTestLeaf(await createTestCa(), { commonName: 'system:serviceaccount:kube-system:intruder' });
    await admin.core.replaceNamespacedSecret({
      name: 'metrics-client-certs',
      namespace: NS,
      body: { ...before, data: { 'tls.crt': Buffer.from(other.certPem).toString('base64'), 'tls.key': Buffer.from(other.keyPem).toString('base64') } },
    });
    const { cert } = await waitForValidSecret(admin, NS, (c) => c.subject[0]?.[0]?.value === SCRAPER_USERNAME && c.pem !== b64d(before.data?.['tls.crt']), 30_000);
    expect(cert.subject[0]?.[0]?.value).toBe(SCRAPER_USERNAME);
  });

  it('if the cluster client CA bundle changes, the ConfigMap follows', async () => {
    const original = await admin.core.readNamespacedConfigMap({ name: 'extension-apiserver-authentication', namespace: 'kube-system' });
    const extra = await createTestCa({ commonName: 'integration extra client CA' });
    const bundle = `${original.data!['client-ca-file']!.trimEnd()}\n${extra.certPem}`;
    await admin.core.replaceNamespacedConfigMap({ name: original.metadata!.name!, namespace: 'kube-system', body: { ...original, data: { ...original.data, 'client-ca-file': bundle } } });
    try {
      await waitFor('the mirror to contain the extra CA', async () => {
        const mirror = await admin.core.readNamespacedConfigMap({ name: 'metrics-client-ca', namespace: NS });
        const source = await admin.core.readNamespacedConfigMap({ name: 'extension-apiserver-authentication', namespace: 'kube-system' });
        return mirror.data?.['client-ca.crt'] === source.data?.['client-ca-file'] && mirror.data?.['client-ca.crt']?.includes(extra.certPem.split('\n')[1]!);
      });
    } finally {
      const now = await admin.core.readNamespacedConfigMap({ name: original.metadata!.name!, namespace: 'kube-system' });
      await admin.core.replaceNamespacedConfigMap({ name: original.metadata!.name!, namespace: 'kube-system', body: { ...now, data: { ...now.data, 'client-ca-file': original.data!['client-ca-file']! } } });
    }
    // ...and back: the mirror follows the removal too, and someone editing the mirror is undone.
    await waitFor('the mirror to drop the extra CA', async () => {
      const mirror = await admin.core.readNamespacedConfigMap({ name: 'metrics-client-ca', namespace: NS });
      return !mirror.data?.['client-ca.crt']?.includes(extra.certPem.split('\n')[1]!);
    });
    const mirror = await admin.core.readNamespacedConfigMap({ name: 'metrics-client-ca', namespace: NS });
    await admin.core.replaceNamespacedConfigMap({ name: 'metrics-client-ca', namespace: NS, body: { ...mirror, data: { 'client-ca.crt': extra.certPem } } });
    await waitFor('the edited mirror to be restored', async () => {
      const m = await admin.core.readNamespacedConfigMap({ name: 'metrics-client-ca', namespace: NS });
      return !m.data?.['client-ca.crt']?.includes(extra.certPem.split('\n')[1]!) && (m.data?.['client-ca.crt']?.length ?? 0) > 0;
    });
  });

  it('never wrote a mismatched pair, never emptied or deleted the Secret (every watched version checked)', async () => {
    // "Every version" holds only if the recorder watched the whole time (no re-list gap).
    await secrets.assertWatchedThroughout();
    const versions = await secrets.settle();
    expect(versions.length).toBeGreaterThan(0);
    // The only bad versions are the two the test itself wrote (tampering) and the test's delete.
    const byOperator = versions.filter((v) => v.phase !== 'DELETED');
    const bad = byOperator.filter((v) => v.problems.length > 0);
    expect(bad.length).toBeLessThanOrEqual(2);
    expect(versions.filter((v) => v.phase === 'DELETED')).toHaveLength(1);
    // Every bad version was immediately followed by a good one written by the operator.
    for (const b of bad) {
      const next = versions[versions.indexOf(b) + 1];
      expect(next?.problems).toEqual([]);
    }
  });

  it('never logged key material', async () => {
    const logs = operator.stdoutText + operator.stderrText;
    for (const k of keyPems) expect(containsKeyMaterial(logs, k)).toBe(false);
    expect(logs).not.toContain('PRIVATE KEY');
  });
});
