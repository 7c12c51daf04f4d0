import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CertificatesV1Api, KubeConfig, RbacAuthorizationV1Api, type V1CertificateSigningRequest } from '@kubernetes/client-node';
import { EKU, commonNameInput, createCsr, formatName, generateKeyPair, exportPrivateKeyPem, parseCertificate, verifyChain } from '@certscrape/pkcs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upLocalCluster } from './cluster.js';
import { httpGet } from './probe.js';
import { isRunning } from './process.js';
import { localClusterFromInject, localClusterHandleFromInject } from './testing/index.js';
import type { ClusterInfo, LocalCluster } from './types.js';

const SIGNER = 'kubernetes.io/kube-apiserver-client';

function certificates(kubeconfig: string): CertificatesV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc.makeApiClient(CertificatesV1Api);
}

async function newCsr(cn: string): Promise<{ pem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const csr = await createCsr({ subject: commonNameInput(cn), keys });
  return { pem: csr.pem, keyPem: await exportPrivateKeyPem(keys) };
}

async function submit(api: CertificatesV1Api, name: string, pem: string): Promise<V1CertificateSigningRequest> {
  return api.createCertificateSigningRequest({
    body: {
      metadata: { name },
      spec: { request: Buffer.from(pem).toString('base64'), signerName: SIGNER, usages: ['digital signature', 'client auth'] },
    },
  });
}

async function approve(api: CertificatesV1Api, name: string): Promise<void> {
  const csr = await api.readCertificateSigningRequest({ name });
  csr.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'IntegrationTest', message: 'approved by the local-cluster integration test', lastUpdateTime: new Date() }] };
  await api.replaceCertificateSigningRequestApproval({ name, body: csr });
}

async function waitIssued(api: CertificatesV1Api, name: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const csr = await api.readCertificateSigningRequest({ name });
    if (csr.status?.certificate) return Buffer.from(csr.status.certificate, 'base64').toString('utf8');
    const failed = csr.status?.conditions?.find((c) => c.type === 'Failed' || c.type === 'Denied');
    if (failed) throw new Error(`CSR ${name} ${failed.type}: ${failed.message}`);
    await sleep(200);
  }
  throw new Error(`CSR ${name} not issued within ${timeoutMs} ms`);
}

const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

describe('the local control plane (shared by this vitest run)', () => {
  let info: ClusterInfo;
  let cluster: LocalCluster;
  let admin: CertificatesV1Api;
  let ca: string;

  beforeAll(async () => {
    info = localClusterFromInject();
    cluster = await localClusterHandleFromInject();
    admin = certificates(info.kubeconfig);
    ca = readFileSync(info.caFile, 'utf8');
  });

  it('signs an approved kube-apiserver-client CSR, and the certificate authenticates to kube-apiserver', async () => {
    const name = unique('lc-int-admin');
    const { pem, keyPem } = await newCsr(name);
    await submit(admin, name, pem);
    await approve(admin, name);
    const certPem = await waitIssued(admin, name);

    const cert = parseCertificate(certPem);
    expect(formatName(cert.subject)).toBe(`CN=${name}`);
    expect(cert.extendedKeyUsage).toEqual([EKU.clientAuth]);
    const chain = await verifyChain(cert, { roots: [parseCertificate(ca)], now: new Date(), requiredEku: EKU.clientAuth });
    expect(chain.ok).toBe(true);
    // kube-controller-manager backdates NotBefore by 5 minutes; 1.20 sets NotAfter = NotBefore + duration.
    const lifetime = (cert.notAfter.getTime() - cert.notBefore.getTime()) / 1000;
    expect(lifetime).toBeLessThanOrEqual(info.signingDurationSeconds + 300);

    // Authenticated as the certificate's CN (then denied by RBAC), unlike an anonymous request.
    const url = `${info.server}/api/v1/namespaces/default/secrets`;
    const withCert = await httpGet(url, { ca, cert: certPem, key: keyPem });
    expect(withCert.status).toBe(403);
    expect((JSON.parse(withCert.body) as { message: string }).message).toContain(`User "${name}" cannot list`);
    const anonymous = await httpGet(url, { ca });
    expect((JSON.parse(anonymous.body) as { message: string }).message).toContain('User "system:anonymous" cannot list');
  });

  it('records a service-account kubeconfig user as the CSR requester, with its groups', async () => {
    const ns = unique('lc-ns');
    const sa = 'csr-maker';
    const dir = mkdtempSync(join(tmpdir(), 'lc-sa-'));
    try {
      const out = await cluster.serviceAccountKubeconfig({ namespace: ns, name: sa, out: join(dir, 'sa.kubeconfig') });
      const kc = new KubeConfig();
      kc.loadFromFile(info.kubeconfig);
      await kc.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
        body: {
          metadata: { name: `${ns}-csr-maker` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node-bootstrapper' },
          subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
        },
      });
      const name = unique('lc-int-sa');
      const { pem } = await newCsr(name);
      // RBAC bindings take effect through an informer: retry a forbidden create briefly.
      const asSa = certificates(out);
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await submit(asSa, name, pem);
          break;
        } catch (e) {
          if (Date.now() > deadline || (e as { code?: number }).code !== 403) throw e;
          await sleep(200);
        }
      }
      const stored = await admin.readCertificateSigningRequest({ name });
      expect(stored.spec.username).toBe(`system:serviceaccount:${ns}:${sa}`);
      expect([...(stored.spec.groups ?? [])].sort()).toEqual(['system:authenticated', 'system:serviceaccounts', `system:serviceaccounts:${ns}`].sort());
      // A second call reuses namespace and service account.
      await expect(cluster.serviceAccountKubeconfig({ namespace: ns, name: sa, out: join(dir, 'again.kubeconfig') })).resolves.toBe(join(dir, 'again.kubeconfig'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a second `up` on the live state dir with LOCAL_CLUSTER_ERR_STATE_DIR_LIVE, leaving the cluster untouched', async () => {
    await expect(upLocalCluster({ stateDir: info.stateDir, binDir: info.binDir })).rejects.toMatchObject({ code: 'LOCAL_CLUSTER_ERR_STATE_DIR_LIVE' });
    const ready = await httpGet(`${info.server}/readyz`, { ca, ...adminTls(info) });
    expect(ready.status).toBe(200);
  });

  it('stops and restarts kube-apiserver on the same address (outage tests)', async () => {
    await cluster.stopApiserver();
    await expect(httpGet(`${info.server}/readyz`, { ca, ...adminTls(info) }, 1000)).rejects.toThrow();
    await cluster.startApiserver();
    const ready = await httpGet(`${info.server}/readyz`, { ca, ...adminTls(info) });
    expect(ready.status).toBe(200);
    await expect(admin.listCertificateSigningRequest()).resolves.toBeDefined();
   }, 300_000);

  it('restarts kube-controller-manager with a new signing duration, which the next certificate carries', async () => {
    const before = info.signingDurationSeconds;
    try {
      await cluster.restartControllerManager({ signingDurationSeconds: 900 });
      expect(cluster.info.signingDurationSeconds).toBe(900);
      const name = unique('lc-int-short');
      const { pem } = await newCsr(name);
      await submit(admin, name, pem);
      await approve(admin, name);
      const cert = parseCertificate(await waitIssued(admin, name));
      expect((cert.notAfter.getTime() - cert.notBefore.getTime()) / 1000).toBe(900);
    } finally {
      await cluster.restartControllerManager({ signingDurationSeconds: before });
    }
   }, 300_000);

  it('stops kube-controller-manager (a CSR approved meanwhile stays unsigned) and starts it again (then it is signed)', async () => {
    const name = unique('lc-int-kcm-down');
    await cluster.stopControllerManager();
    try {
      const { pem } = await newCsr(name);
      await submit(admin, name, pem);
      await approve(admin, name);
      await sleep(3000);
      expect((await admin.readCertificateSigningRequest({ name })).status?.certificate).toBeUndefined();
    } finally {
      await cluster.startControllerManager();
    }
    expect(parseCertificate(await waitIssued(admin, name)).subject).toBeDefined();
  }, 300_000);

  it('restarts etcd on the same data: kube-apiserver serves what was stored before', async () => {
    const name = unique('lc-int-etcd');
    const { pem } = await newCsr(name);
    await submit(admin, name, pem);
    await cluster.restartEtcd();
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        expect((await admin.readCertificateSigningRequest({ name })).metadata?.name).toBe(name);
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await sleep(500);
      }
    }
  }, 300_000);
});

function adminTls(info: ClusterInfo): { cert: string; key: string } {
  const dir = join(info.stateDir, 'pki');
  return { cert: readFileSync(join(dir, 'admin.crt'), 'utf8'), key: readFileSync(join(dir, 'admin.key'), 'utf8') };
}

describe('a cluster of its own', () => {
  let dir: string;
  let own: LocalCluster | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lc-own-'));
  });
  afterAll(async () => {
    await own?.down();
    rmSync(dir, { recursive: true, force: true });
  });

  it('down stops every process by pid and leaves none behind; a later up on the same dir starts afresh, here on --bind-address 127.0.0.2', async () => {
    const shared = localClusterFromInject();
    own = await upLocalCluster({ stateDir: dir, binDir: shared.binDir, signingDurationSeconds: 600 });
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { processes: Record<string, { pid: number }> };
    const pids = Object.values(state.processes).map((p) => p.pid);
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(isRunning({ pid, startTime: undefined, log: '' })).toBe(true);
    await own.down();
    for (const pid of pids) expect(isRunning({ pid, startTime: undefined, log: '' }), `pid ${pid} still runs`).toBe(false);
    // Children of a process group are gone too: nothing in /proc still has a state-dir path on its command line.
    expect(processesMentioning(dir)).toEqual([]);
    // Restarted on another loopback address: served there, with a serving certificate that covers it.
    own = await upLocalCluster({ stateDir: dir, binDir: shared.binDir, bindAddress: '127.0.0.2' });
    expect(own.info.server).toMatch(/^https:\/\/127\.0\.0\.2:\d+$/);
    expect((await httpGet(`${own.info.server}/readyz`, { ca: readFileSync(own.info.caFile, 'utf8'), ...adminTls(own.info) })).status).toBe(200);
   }, 600_000);
});

function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // raced with exit
    }
  }
  return found;
}

function readdirSafe(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}
