// Two scraper identities on one operator (--identities-file), against a dedicated control plane
// signing for 7 minutes (the 1.20 signer backdates NotBefore by 5, so each certificate arrives
// with ~2 minutes left and rotates every ~1.5 minutes).
//
// kube-controller-manager 1.20 ignores spec.expirationSeconds (the field exists from 1.22; the
// operator does not even send it to a 1.20 server), so both identities get the same signing
// duration. Their signing windows differ because their issuance does: identity B is first denied
// by the real csr-approver (its set names only A), retried with backoff, and issued only once the
// approver knows it — so B's certificates start later, and each identity then rotates on its own
// schedule from its own window.
//
// Given  the real csr-approver and the operator with identities A and B (Secrets in two namespaces)
// When   the approver knows only A
// Then   A's Secret is valid while every CSR for B is denied (Events on B's Secret, B's metrics)
// When   the approver knows both
// Then   B is issued, and both rotate independently, each Secret holding only its own identity
// When   the operator restarts with only A configured
// Then   an IdentityRemoved Event is recorded on B's Secret, which is never written again (not even
//        past its rotation deadline and expiry) and gets no CSR, while A keeps rotating.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Secret } from '@kubernetes/client-node';
import { localClusterFromInject } from '@certscrape/local-cluster/testing';
import { upLocalCluster, type LocalCluster } from '@certscrape/local-cluster';
import {
  adminClients,
  CsrRecorder,
  grantOperator,
  OPERATOR_USERNAME,
  operatorKubeconfig,
  readSecret,
  SecretRecorder,
  sleep,
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
  type SecretVersion,
  type TestIdentity,
} from './test-support/harness.js';

const NS_A = uniqueNamespace('mo-ids-a');
const NS_B = uniqueNamespace('mo-ids-b');
const A = 'system:serviceaccount:monitoring:prometheus-k8s';
const B = 'system:serviceaccount:monitoring-user-workload:prometheus-user-workload';
const SIGNING_SECONDS = 420;
const ROTATE_OBSERVE_MS = 230_000;
const DENIALS_OF_B = 2;

let cluster: LocalCluster | undefined;
let stateDir: string;
let dir: string;
let admin: Admin;
let kubeconfig: string;
let operator: OperatorProc | undefined;
let approval: Approval | undefined;
let secretsA: SecretRecorder;
let secretsB: SecretRecorder;
let csrs: CsrRecorder;

function identitiesFile(name: string, usernames: readonly string[]): string {
  const all: Record<string, TestIdentity> = {
    [A]: { username: A, secret: { namespace: NS_A, name: 'metrics-client-certs' }, caConfigMap: { namespace: NS_A, name: 'metrics-client-ca' } },
    // B asks for 10 minutes; the 1.20 signer ignores it (see the header).
    [B]: { username: B, secret: { namespace: NS_B, name: 'metrics-client-certs' }, expirationSeconds: 600 },
  };
  return writeIdentitiesFile(join(dir, name), usernames.map((u) => all[u]!));
}

const cnOf = (v: SecretVersion) => v.cert?.subject.flat().find((a) => a.oid === '2.5.4.3')?.value;
/** Distinct certificates in the order they were installed. */
function installs(versions: readonly SecretVersion[]): { at: number; notBefore: number; notAfter: number; serial: string; cn: string | undefined }[] {
  const out: { at: number; notBefore: number; notAfter: number; serial: string; cn: string | undefined }[] = [];
  for (const v of versions) {
    if (!v.cert || out.at(-1)?.serial === v.cert.serialNumber) continue;
    out.push({ at: v.at, notBefore: v.cert.notBefore.getTime(), notAfter: v.cert.notAfter.getTime(), serial: v.cert.serialNumber, cn: cnOf(v) });
  }
  return out;
}
const csrCn = (csr: { metadata?: { labels?: Record<string, string> } }) => csr.metadata?.labels?.['certscrape.io/csr-subject'];

beforeAll(async () => {
  stateDir = tempDir('mo-ids-cluster-');
  cluster = await upLocalCluster({ stateDir, signingDurationSeconds: SIGNING_SECONDS, binDir: localClusterFromInject().binDir });
  admin = adminClients(cluster.info);
  dir = tempDir('mo-ids-');
  // Exactly deploy/monitoring-operator's namespaced Role in each identity's namespace.
  await grantOperator(admin, NS_A);
  await grantOperator(admin, NS_B);
  kubeconfig = await operatorKubeconfig(cluster, dir);
  secretsA = new SecretRecorder(admin, NS_A);
  secretsB = new SecretRecorder(admin, NS_B);
  await secretsA.start();
  await secretsB.start();
  csrs = new CsrRecorder(admin, OPERATOR_USERNAME, 'certscrape.io/csr-subject in (prometheus-k8s,prometheus-user-workload)');
  await csrs.start();
  // The real approver, knowing only A: B's CSRs are in scope and denied.
  approval = await startApproval(admin, cluster, dir, [`--identities-file=${identitiesFile('approver-a.yaml', [A])}`]);
  operator = startOperator({ kubeconfig, namespace: NS_A, args: ['--leader-elect=false', `--identities-file=${identitiesFile('operator-ab.yaml', [A, B])}`] });
}, 240_000);

afterAll(async () => {
  await operator?.stop();
  await approval?.stop();
  secretsA?.stop();
  secretsB?.stop();
  csrs?.stop();
  await cluster?.down();
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe('two identities on one operator', () => {
  it('while every CSR for B is denied, A is issued and valid: one identity\'s failures never hold up the other', async () => {
    const tail = (e: unknown) => {
      throw new Error(`${String(e)}\n${operator!.tail()}`);
    };
    await waitFor(`${DENIALS_OF_B} denied CSRs for B`, async () => (await operator!.metric(`certscrape_monitoring_operator_csr_outcomes_total{identity="${B}",outcome="denied"}`))! >= DENIALS_OF_B, 120_000).catch(tail);
    const { secret: secretA, cert: certA } = await waitForValidSecret(admin, NS_A, () => true, 60_000).catch(tail);
    // A's certificate names exactly A, the Secret says whose it is, and A never failed.
    expect(certA.subject.flat().map((a) => a.value)).toEqual([A]);
    expect(secretA.metadata?.annotations?.['certscrape.io/identity']).toBe(A);
    expect(await operator!.metric(`certscrape_monitoring_operator_issuance_failures{identity="${A}"}`)).toBe(0);
    expect(await operator!.metric(`certscrape_monitoring_operator_csr_outcomes_total{identity="${A}",outcome="issued"}`)).toBe(1);
    expect(await operator!.metric(`certscrape_monitoring_operator_csr_outcomes_total{identity="${A}",outcome="denied"}`)).toBe(0);
    expect(await operator!.metric(`certscrape_monitoring_operator_issuance_failures{identity="${B}"}`)).toBeGreaterThanOrEqual(1);
    // B has no Secret yet; its denials are Events on ITS Secret, in ITS namespace, with the approver's reason.
    expect(await readSecret(admin, NS_B)).toBeUndefined();
    const denied = (await admin.core.listNamespacedEvent({ namespace: NS_B })).items.filter((e) => e.reason === 'CertificateSigningRequestDenied');
    expect(denied.length).toBeGreaterThanOrEqual(1);
    expect(denied[0]!.involvedObject).toMatchObject({ kind: 'Secret', namespace: NS_B, name: 'metrics-client-certs' });
    expect((await admin.core.listNamespacedEvent({ namespace: NS_A })).items.filter((e) => e.reason === 'CertificateSigningRequestDenied')).toEqual([]);
  }, 240_000);

  it('once the approver knows B, B is issued, and each identity rotates on its own schedule', async () => {
    await approval!.stop();
    approval = await startApproval(admin, cluster!, dir, [`--identities-file=${identitiesFile('approver-ab.yaml', [A, B])}`]);
    await waitForValidSecret(admin, NS_B, () => true, 120_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${operator!.tail()}`);
    });
    await sleep(ROTATE_OBSERVE_MS);
    await secretsA.assertWatchedThroughout();
    await secretsB.assertWatchedThroughout();
    const versionsA = await secretsA.settle();
    const versionsB = await secretsB.settle();
    // Every version of either Secret is a matching pair, never deleted.
    expect(versionsA.filter((v) => v.problems.length > 0)).toEqual([]);
    expect(versionsB.filter((v) => v.problems.length > 0)).toEqual([]);
    const a = installs(versionsA);
    const b = installs(versionsB);
    const story = JSON.stringify({ a: a.map((i) => new Date(i.notBefore).toISOString()), b: b.map((i) => new Date(i.notBefore).toISOString()) });
    // Each Secret only ever holds its own identity.
    expect(new Set(a.map((i) => i.cn)), story).toEqual(new Set([A]));
    expect(new Set(b.map((i) => i.cn)), story).toEqual(new Set([B]));
    // Both rotated (>= 2 rotations each in the window), neither looped.
    expect(a.length, story).toBeGreaterThanOrEqual(3);
    expect(b.length, story).toBeGreaterThanOrEqual(3);
    expect(a.length, story).toBeLessThanOrEqual(6);
    expect(b.length, story).toBeLessThanOrEqual(6);
    // Different signing windows: B's first certificate started after A's (B waited out its denials'
    // backoff first; NotBefore has second precision).
    expect(b[0]!.notBefore, story).toBeGreaterThan(a[0]!.notBefore);
    // Independent schedules: each rotation happened within its own certificate's window, before it expired.
    for (const list of [a, b]) {
      for (let i = 1; i < list.length; i++) {
        expect(list[i]!.at, story).toBeLessThan(list[i - 1]!.notAfter);
        // Not instantly (no loop): the capped deadline keeps about half of the ~2 minutes left (rotation.int.test.ts).
        expect(list[i]!.at - list[i - 1]!.at, story).toBeGreaterThan((list[i - 1]!.notAfter - list[i - 1]!.at) * 0.4);
      }
    }
    // Rotations are counted per identity.
    expect(await operator!.metric(`certscrape_monitoring_operator_rotations_total{identity="${A}",reason="rotation-due"}`)).toBeGreaterThanOrEqual(a.length - 1);
    expect(await operator!.metric(`certscrape_monitoring_operator_rotations_total{identity="${B}",reason="rotation-due"}`)).toBeGreaterThanOrEqual(b.length - 1);
    // CSRs: one per install (plus the denied ones for B), all for their own identity.
    const forA = csrs.created.filter((c) => csrCn(c.csr) === 'prometheus-k8s').length;
    const forB = csrs.created.filter((c) => csrCn(c.csr) === 'prometheus-user-workload').length;
    expect(forA).toBeGreaterThanOrEqual(a.length);
    expect(forB).toBeGreaterThanOrEqual(b.length + DENIALS_OF_B);
  }, ROTATE_OBSERVE_MS + 240_000);

  it('an identity removed from the configuration is no longer renewed: its Secret is left alone and an Event says so', async () => {
    await operator!.stop();
    const before: V1Secret = (await readSecret(admin, NS_B))!;
    const csrsBefore = csrs.created.length;
    const versionsBefore = (await secretsB.settle()).length;
    const lastB = installs(await secretsB.settle()).at(-1)!;
    const aBefore = installs(await secretsA.settle()).length;
    operator = startOperator({ kubeconfig, namespace: NS_A, args: ['--leader-elect=false', `--identities-file=${identitiesFile('operator-a.yaml', [A])}`] });

    const removed = await waitFor('the IdentityRemoved Event on B\'s Secret', async () => {
      const items = (await admin.core.listNamespacedEvent({ namespace: NS_B })).items.filter((e) => e.reason === 'IdentityRemoved');
      return items.length > 0 ? items : undefined;
    }, 60_000);
    expect(removed).toHaveLength(1);
    expect(removed[0]!.type).toBe('Warning');
    expect(removed[0]!.involvedObject).toMatchObject({ kind: 'Secret', namespace: NS_B, name: 'metrics-client-certs' });
    expect(removed[0]!.message).toContain(B);

    // Past B's expiry (which is past its rotation deadline): nothing touched B's Secret, no CSR for B.
    await sleep(Math.max(0, lastB.notAfter - Date.now()) + 15_000);
    await secretsB.assertWatchedThroughout();
    expect((await secretsB.settle()).length).toBe(versionsBefore);
    const after = (await readSecret(admin, NS_B))!;
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(after.data).toEqual(before.data);
    expect(csrs.created.slice(csrsBefore).filter((c) => csrCn(c.csr) === 'prometheus-user-workload')).toEqual([]);
    // ...while A kept being renewed, and B has no series any more.
    expect(installs(await secretsA.settle()).length).toBeGreaterThan(aBefore);
    expect(await operator!.metric(`certscrape_monitoring_operator_certificate_not_after_timestamp_seconds{identity="${B}"}`)).toBeUndefined();
    // The record of managed identities now names only A (so the next start reports nothing again).
    const record = await admin.core.readNamespacedConfigMap({ name: 'certscrape-monitoring-operator-identities', namespace: NS_A });
    expect((JSON.parse(record.data?.['identities.json'] ?? '[]') as { username: string }[]).map((r) => r.username)).toEqual([A]);
  }, 300_000);
});
