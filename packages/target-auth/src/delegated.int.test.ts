// The delegated fallback against the real local control plane (kube-apiserver 1.20), through a
// real TCP hop that counts every byte sent towards kube-apiserver and can be cut:
// - a bearer token works via TokenReview + SubjectAccessReview, and is cached;
// - certificate requests make zero calls to kube-apiserver;
// - with the route to kube-apiserver gone, token requests fail while certificate requests succeed;
// - TokenReview's uid and extra (a pod-bound token) come through the client and the SAR that
//   carries them is accepted; --auth-token-audiences is checked against status.audiences.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EKU } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf, type TestCa, type TestLeaf } from '@certscrape/pkcs/testing';
import { localClusterFromInject, localClusterHandleFromInject, type ClusterInfo, type LocalCluster } from '@certscrape/local-cluster/testing';
import * as k8s from '@kubernetes/client-node';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSidecarFlags } from './config.js';
import { createKubernetesDelegatedClients } from './delegated-clients.js';
import { startSidecar, type RunningSidecar } from './sidecar/sidecar.js';
import { httpsRequest, singleConnectionAgent } from './test-support/https-client.js';
import { startTcpForwarder, type TcpForwarder } from './test-support/tcp-forwarder.js';
import { startUpstream, type Upstream } from './test-support/upstream.js';

const NS = 'certscrape-target-auth-it';
const CERT_USER = 'system:serviceaccount:monitoring:prometheus-k8s';

async function ignoreConflict(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if ((e as { code?: number }).code !== 409) throw e;
  }
}

function tokenOf(kubeconfigText: string): string {
  const doc = parseYaml(kubeconfigText) as { users: Array<{ user: { token?: string } }> };
  const token = doc.users[0]?.user.token;
  if (!token) throw new Error('kubeconfig has no token');
  return token;
}

describe('delegated TokenReview/SubjectAccessReview fallback against kube-apiserver', () => {
  let info: ClusterInfo;
  let cluster: LocalCluster;
  let dir: string;
  let forwarder: TcpForwarder;
  let upstream: Upstream;
  let sidecar: RunningSidecar;
  let clientCa: TestCa;
  let servingCa: TestCa;
  let scraperCert: TestLeaf;
  let readerToken: string;
  let readerToken2: string;
  let strangerToken: string;
  let targetKubeconfigPath: string;

  /** A sidecar whose only route to kube-apiserver is a fresh counting forwarder. */
  async function startDelegatedSidecar(extraFlags: string[]): Promise<{ sidecar: RunningSidecar; forwarder: TcpForwarder }> {
    const server = new URL(info.server);
    const fwd = await startTcpForwarder({ host: server.hostname, port: Number(server.port) });
    const kc = parseYaml(await readFile(targetKubeconfigPath, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
    for (const c of kc.clusters) c.cluster.server = `https://127.0.0.1:${fwd.port}`;
    const kubeconfig = join(dir, `target-via-${fwd.port}.kubeconfig`);
    await writeFile(kubeconfig, stringifyYaml(kc), { mode: 0o600 });
    const parsed = parseSidecarFlags([
      '--secure-listen-address=127.0.0.1:0',
      `--upstream=http://127.0.0.1:${upstream.port}/`,
      `--client-ca-file=${join(dir, 'client-ca.crt')}`,
      `--config-file=${join(dir, 'config.yaml')}`,
      `--tls-cert-file=${join(dir, 'tls.crt')}`,
      `--tls-private-key-file=${join(dir, 'tls.key')}`,
      `--kubeconfig=${kubeconfig}`,
      ...extraFlags,
    ]);
    if (parsed.kind !== 'run') throw new Error('expected a run config');
    return { sidecar: await startSidecar(parsed.config), forwarder: fwd };
  }

  beforeAll(async () => {
    info = localClusterFromInject();
    cluster = await localClusterHandleFromInject();
    dir = await mkdtemp(join(tmpdir(), 'target-auth-delegated-'));

    // RBAC with the admin kubeconfig: the target may review tokens and access (system:auth-delegator);
    // the "reader" service account may GET /metrics; the "stranger" may not.
    const admin = new k8s.KubeConfig();
    admin.loadFromFile(info.kubeconfig);
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    const targetKubeconfig = await cluster.serviceAccountKubeconfig({ namespace: NS, name: 'target', out: join(dir, 'target.kubeconfig') });
    const reader = await cluster.serviceAccountKubeconfig({ namespace: NS, name: 'reader', out: join(dir, 'reader.kubeconfig') });
    const stranger = await cluster.serviceAccountKubeconfig({ namespace: NS, name: 'stranger', out: join(dir, 'stranger.kubeconfig') });
    readerToken = tokenOf(await readFile(reader, 'utf8'));
    strangerToken = tokenOf(await readFile(stranger, 'utf8'));
    readerToken2 = tokenOf(await readFile(await cluster.serviceAccountKubeconfig({ namespace: NS, name: 'reader', out: join(dir, 'reader2.kubeconfig') }), 'utf8'));
    await ignoreConflict(
      rbac.createClusterRoleBinding({
        body: {
          metadata: { name: `${NS}-target-auth-delegator` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
          subjects: [{ kind: 'ServiceAccount', name: 'target', namespace: NS }],
        },
      }),
    );
    await ignoreConflict(rbac.createClusterRole({ body: { metadata: { name: `${NS}-metrics-reader` }, rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }] } }));
    await ignoreConflict(
      rbac.createClusterRoleBinding({
        body: {
          metadata: { name: `${NS}-metrics-reader` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${NS}-metrics-reader` },
          subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: NS }],
        },
      }),
    );

    targetKubeconfigPath = targetKubeconfig;
    [clientCa, servingCa] = await Promise.all([createTestCa({ commonName: 'metrics client CA' }), createTestCa({ commonName: 'serving CA' })]);
    scraperCert = await issueTestLeaf(clientCa, { commonName: CERT_USER });
    const serving = await issueTestLeaf(servingCa, { commonName: 'target', extendedKeyUsages: [EKU.serverAuth], subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }] });
    await writeFile(join(dir, 'client-ca.crt'), clientCa.certPem);
    await writeFile(join(dir, 'tls.crt'), serving.certPem);
    await writeFile(join(dir, 'tls.key'), serving.keyPem);
    await writeFile(join(dir, 'config.yaml'), `authorization:\n  static:\n    - user: {name: "${CERT_USER}"}\n      verb: get\n      path: /metrics\n      resourceRequest: false\n`);

    upstream = await startUpstream();
    ({ sidecar, forwarder } = await startDelegatedSidecar([]));
  });

  afterAll(async () => {
    await sidecar?.close();
    await upstream?.close();
    await forwarder?.cut();
    await rm(dir, { recursive: true, force: true });
  });

  const withToken = (token: string, path = '/metrics') => httpsRequest({ port: sidecar.address.port, path, ca: servingCa.certPem, headers: { Authorization: `Bearer ${token}` } });
  const withCert = (path = '/metrics') => httpsRequest({ port: sidecar.address.port, path, ca: servingCa.certPem, identity: { cert: scraperCert.chainPem, key: scraperCert.keyPem } });
  const delegatedCalls = async () => {
    const text = await sidecar.registry.metrics();
    const n = (api: string) => Number(new RegExp(`certscrape_target_auth_delegated_requests_total\\{api="${api}",result="ok"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    return { tokenreview: n('tokenreview'), subjectaccessreview: n('subjectaccessreview') };
  };

  it('certificate requests make zero calls to kube-apiserver', async () => {
    const before = { connections: forwarder.connections(), bytes: forwarder.bytesFromClients(), calls: await delegatedCalls() };
    for (let i = 0; i < 5; i++) expect((await withCert()).status).toBe(200); // new connections
    const agent = singleConnectionAgent({ ca: servingCa.certPem, identity: { cert: scraperCert.chainPem, key: scraperCert.keyPem } });
    try {
      for (let i = 0; i < 10; i++) expect((await httpsRequest({ port: sidecar.address.port, ca: servingCa.certPem, agent })).status).toBe(200);
    } finally {
      agent.destroy();
    }
    expect((await withCert('/admin')).status).toBe(403); // a denied certificate request does not ask SAR either
    expect(forwarder.connections()).toBe(before.connections);
    expect(forwarder.bytesFromClients()).toBe(before.bytes);
    expect(await delegatedCalls()).toEqual(before.calls);
  });

  it('a bearer token works through TokenReview + SubjectAccessReview, and the answers are cached', async () => {
    const bytes0 = forwarder.bytesFromClients();
    const r = await withToken(readerToken);
    expect(r.status).toBe(200);
    expect(r.body).toBe('upstream saw /metrics\n');
    expect(upstream.seen[upstream.seen.length - 1]?.headers.authorization).toBeUndefined(); // the token never reaches the upstream
    expect(forwarder.bytesFromClients()).toBeGreaterThan(bytes0);
    const calls1 = await delegatedCalls();
    expect(calls1.tokenreview).toBeGreaterThanOrEqual(1);
    expect(calls1.subjectaccessreview).toBeGreaterThanOrEqual(1);

    const bytes1 = forwarder.bytesFromClients();
    for (let i = 0; i < 5; i++) expect((await withToken(readerToken)).status).toBe(200);
    expect(forwarder.bytesFromClients()).toBe(bytes1); // cached: nothing sent to kube-apiserver
    expect(await delegatedCalls()).toEqual(calls1);
    // With a live connection to kube-apiserver open, certificate requests still send nothing.
    for (let i = 0; i < 3; i++) expect((await withCert()).status).toBe(200);
    expect(forwarder.bytesFromClients()).toBe(bytes1);
  });

  it('an authenticated token without RBAC is denied by SubjectAccessReview (403); a garbage token is 401', async () => {
    const denied = await withToken(strangerToken);
    expect(denied.status).toBe(403);
    expect(denied.body).toBe(`Forbidden (user=system:serviceaccount:${NS}:stranger, verb=get, path=/metrics)\n`);
    expect((await withToken(readerToken, '/admin')).status).toBe(403);
    expect((await withToken('not-a-real-token')).status).toBe(401);
  });

  const TARGET_AUDIENCE = 'https://target.certscrape.example';

  /** A TokenRequest for the "reader" account with `audiences`, optionally bound to a Pod object. */
  async function readerTokenFor(audiences: string[], pod?: { name: string; uid: string }): Promise<string> {
    const admin = new k8s.KubeConfig();
    admin.loadFromFile(info.kubeconfig);
    const core = admin.makeApiClient(k8s.CoreV1Api);
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'reader',
      namespace: NS,
      body: { spec: { audiences, expirationSeconds: 3600, ...(pod ? { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: pod.uid } } : {}) } },
    });
    if (!tr.status?.token) throw new Error('TokenRequest returned no token');
    return tr.status.token;
  }

  /** A Pod object for the "reader" account (never scheduled: a TokenRequest only needs it to exist). */
  async function readerPod(): Promise<{ name: string; uid: string }> {
    const admin = new k8s.KubeConfig();
    admin.loadFromFile(info.kubeconfig);
    const core = admin.makeApiClient(k8s.CoreV1Api);
    const name = `reader-${Date.now().toString(36)}`;
    const pod = await core.createNamespacedPod({
      namespace: NS,
      body: { metadata: { name }, spec: { serviceAccountName: 'reader', automountServiceAccountToken: false, containers: [{ name: 'c', image: 'registry.invalid/none:0' }] } },
    });
    return { name, uid: pod.metadata?.uid as string };
  }

  it("TokenReview's uid and extra come through the client: the account's uid, the pod a bound token names", async () => {
    const admin = new k8s.KubeConfig();
    admin.loadFromFile(info.kubeconfig);
    const sa = await admin.makeApiClient(k8s.CoreV1Api).readNamespacedServiceAccount({ name: 'reader', namespace: NS });
    const pod = await readerPod();
    const clients = await createKubernetesDelegatedClients({ kubeconfig: targetKubeconfigPath });
    const r = await clients.tokenReviews.review(await readerTokenFor([], pod), []);
    expect(r.authenticated).toBe(true);
    if (!r.authenticated) return;
    expect(r.user.username).toBe(`system:serviceaccount:${NS}:reader`);
    expect(r.user.uid).toBe(sa.metadata?.uid);
    expect(r.user.extra).toMatchObject({ 'authentication.kubernetes.io/pod-name': [pod.name], 'authentication.kubernetes.io/pod-uid': [pod.uid] });
    // kube-apiserver accepts the SubjectAccessReview that carries them, and answers it.
    expect(await clients.subjectAccessReviews.review({ user: r.user.username, groups: r.user.groups, uid: r.user.uid, extra: r.user.extra, verb: 'get', path: '/metrics' })).toMatchObject({ allowed: true });
    expect(await clients.subjectAccessReviews.review({ user: r.user.username, groups: r.user.groups, uid: r.user.uid, extra: r.user.extra, verb: 'get', path: '/admin' })).toMatchObject({ allowed: false });
  });

  it('a pod-bound token (TokenReview with extra) is authorized through the sidecar: SAR with uid and extra', async () => {
    const token = await readerTokenFor([], await readerPod());
    const r = await withToken(token);
    expect(r.status).toBe(200);
    expect((await withToken(token, '/admin')).status).toBe(403);
  });

  it('--auth-token-audiences: a token for that audience works; a token for the apiserver audience is refused', async () => {
    const own = await startDelegatedSidecar([`--auth-token-audiences=${TARGET_AUDIENCE}`]);
    try {
      const get = (token: string) => httpsRequest({ port: own.sidecar.address.port, ca: servingCa.certPem, headers: { Authorization: `Bearer ${token}` } });
      // status.audiences from kube-apiserver 1.20 names the audience asked for, so our check passes it.
      const clients = await createKubernetesDelegatedClients({ kubeconfig: targetKubeconfigPath });
      const bound = await readerTokenFor([TARGET_AUDIENCE]);
      const review = await clients.tokenReviews.review(bound, [TARGET_AUDIENCE]);
      expect(review).toMatchObject({ authenticated: true, audiences: [TARGET_AUDIENCE] });
      expect((await get(bound)).status).toBe(200);
      expect((await get(readerToken)).status).toBe(401); // default audience (the apiserver's)
      expect((await get(await readerTokenFor(['https://other.example']))).status).toBe(401);
    } finally {
      await own.sidecar.close();
      await own.forwarder.cut();
    }
  });

  it('with the route to kube-apiserver gone, token requests fail while certificate requests keep succeeding', async () => {
    await forwarder.cut();
    const started = Date.now();
    const r = await withToken(readerToken2); // not cached yet: needs kube-apiserver
    expect(r.status).toBe(401);
    expect(Date.now() - started).toBeLessThan(6000);
    for (let i = 0; i < 5; i++) expect((await withCert()).status).toBe(200);
  });

  it('with --delegated-cache-ttl=0, every token request asks kube-apiserver, and a token that worked fails once the route is gone', async () => {
    const own = await startDelegatedSidecar(['--delegated-cache-ttl=0']);
    try {
      const get = () => httpsRequest({ port: own.sidecar.address.port, ca: servingCa.certPem, headers: { Authorization: `Bearer ${readerToken}` } });
      expect((await get()).status).toBe(200);
      const bytes = own.forwarder.bytesFromClients();
      expect((await get()).status).toBe(200);
      expect(own.forwarder.bytesFromClients()).toBeGreaterThan(bytes); // not cached: asked again
      await own.forwarder.cut();
      expect((await get()).status).toBe(401);
      const cert = await httpsRequest({ port: own.sidecar.address.port, ca: servingCa.certPem, identity: { cert: scraperCert.chainPem, key: scraperCert.keyPem } });
      expect(cert.status).toBe(200);
    } finally {
      await own.sidecar.close();
      await own.forwarder.cut();
    }
  });
});
