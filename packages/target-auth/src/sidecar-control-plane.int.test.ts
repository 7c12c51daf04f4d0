// The seed's control-plane target, on the real kube-controller-manager of the local control plane:
// a kube-controller-manager bound to loopback with /metrics in --authorization-always-allow-paths,
// behind the sidecar (https:// upstream verified against the component's own serving CA), keeps
// answering certificate scrapes while its route to kube-apiserver is cut; a stock one (its /metrics
// authorized by SubjectAccessReview, 10 s cache) scraped directly stops answering. The route is a
// real TCP hop that the test cuts; the shared control plane itself keeps running for other suites.
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa, issueTestLeaf, type TestCa, type TestLeaf } from '@certscrape/pkcs/testing';
import { controllerManagerTargetFlags, freePorts, localClusterFromInject, localClusterHandleFromInject, SupervisedProcess, waitFor, type ClusterInfo } from '@certscrape/local-cluster/testing';
import * as k8s from '@kubernetes/client-node';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSidecarFlags } from './config.js';
import { startSidecar, type RunningSidecar } from './sidecar/sidecar.js';
import { startTcpForwarder, type TcpForwarder } from './test-support/tcp-forwarder.js';

const SCRAPER = 'system:serviceaccount:monitoring:prometheus-k8s';
const NS = 'certscrape-target-auth-kcm';

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** GET /metrics with a client certificate, or (stock Prometheus against a control-plane component) a bearer token. */
function get(port: number, ca: string, credential: { cert: string; key: string } | { token: string }): Promise<Answer> {
  return new Promise((resolve) => {
    const auth = 'token' in credential ? { headers: { authorization: `Bearer ${credential.token}` } } : credential;
    const req = request({ host: '127.0.0.1', port, path: '/metrics', ca, ...auth, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

describe('kube-controller-manager behind the sidecar, route to kube-apiserver cut', () => {
  let info: ClusterInfo;
  let dir: string;
  let forwarder: TcpForwarder;
  let clientCa: TestCa;
  let scraper: TestLeaf;
  let admin: { cert: string; key: string };
  // A scraper that authenticates to the stock component the stock way: a service-account token.
  let stockScraper: { token: string };
  const kcm: Record<'fronted' | 'stock', { process: SupervisedProcess; port: number; ca: string }> = {} as never;
  let sidecar: RunningSidecar;

  beforeAll(async () => {
    info = localClusterFromInject();
    dir = await mkdtemp(join(tmpdir(), 'target-auth-kcm-'));
    const server = new URL(info.server);
    forwarder = await startTcpForwarder({ host: server.hostname, port: Number(server.port) });
    // kube-controller-manager reaches kube-apiserver only through the forwarder (the route to cut).
    const kc = parseYaml(await readFile(info.kubeconfig, 'utf8')) as { clusters: Array<{ cluster: { server: string } }>; users: Array<{ user: Record<string, string> }> };
    for (const c of kc.clusters) c.cluster.server = `https://${server.hostname}:${forwarder.port}`;
    const kubeconfig = join(dir, 'kcm.kubeconfig');
    await writeFile(kubeconfig, stringifyYaml(kc));
    const user = kc.users[0]?.user ?? {};
    admin = { cert: Buffer.from(user['client-certificate-data'] ?? '', 'base64').toString(), key: Buffer.from(user['client-key-data'] ?? '', 'base64').toString() };

    const cluster = await localClusterHandleFromInject();
    const saKc = await cluster.serviceAccountKubeconfig({ namespace: NS, name: 'prometheus', out: join(dir, 'prometheus.kubeconfig') });
    const token = (parseYaml(await readFile(saKc, 'utf8')) as { users: Array<{ user: { token?: string } }> }).users[0]?.user.token;
    if (!token) throw new Error('no service-account token');
    stockScraper = { token };
    const adminKc = new k8s.KubeConfig();
    adminKc.loadFromFile(info.kubeconfig);
    const rbac = adminKc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const ignoreConflict = (p: Promise<unknown>) => p.catch((e: { code?: number }) => (e.code === 409 ? undefined : Promise.reject(e)));
    await ignoreConflict(rbac.createClusterRole({ body: { metadata: { name: `${NS}-metrics` }, rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }] } }));
    await ignoreConflict(
      rbac.createClusterRoleBinding({
        body: { metadata: { name: `${NS}-metrics` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${NS}-metrics` }, subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: NS }] },
      }),
    );

    const [fronted, stock] = await freePorts(2);
    for (const [name, port, extra] of [
      ['fronted', fronted as number, ['--authorization-always-allow-paths=/healthz,/metrics']],
      ['stock', stock as number, []],
    ] as const) {
      const certDir = join(dir, name);
      const process = new SupervisedProcess({
        name: `kube-controller-manager (${name})`,
        command: join(info.binDir, 'kube-controller-manager'),
        args: [
          ...controllerManagerTargetFlags(kubeconfig),
          '--bind-address=127.0.0.1',
          `--secure-port=${port}`,
          `--cert-dir=${certDir}`,
          ...extra,
        ],
        logFile: join(dir, `${name}.log`),
      });
      const crt = join(certDir, 'kube-controller-manager.crt');
      const ca = await waitFor(async () => readFile(crt, 'utf8').catch(() => undefined), { what: `${name} serving certificate`, timeoutMs: 60_000 });
      await waitFor(async () => (await get(port, ca, admin)).status === 200, { what: `${name} /metrics`, timeoutMs: 60_000, intervalMs: 500 });
      kcm[name] = { process, port, ca };
    }

    clientCa = await createTestCa({ commonName: 'metrics client CA' });
    scraper = await issueTestLeaf(clientCa, { commonName: SCRAPER });
    await writeFile(join(dir, 'client-ca.crt'), clientCa.certPem);
    await writeFile(join(dir, 'rules.yaml'), `authorization:\n  static:\n    - user: {name: ${SCRAPER}}\n      verb: get\n      path: /metrics\n      resourceRequest: false\n`);
    const parsed = parseSidecarFlags(
      [
        '--secure-listen-address=127.0.0.1:0',
        `--upstream=https://127.0.0.1:${kcm.fronted.port}/`,
        `--upstream-ca-file=${join(dir, 'fronted', 'kube-controller-manager.crt')}`,
        `--client-ca-file=${join(dir, 'client-ca.crt')}`,
        `--config-file=${join(dir, 'rules.yaml')}`,
      ],
      {},
    );
    if (parsed.kind !== 'run') throw new Error('expected a run config');
    sidecar = await startSidecar(parsed.config);
  }, 180_000);

  afterAll(async () => {
    await sidecar?.close();
    for (const k of Object.values(kcm)) await k.process.stop();
    await forwarder?.cut().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('before the cut, both answer: the sidecar with the certificate, stock kube-controller-manager with its own authn/authz', async () => {
    const through = await get(sidecar.address.port, await readSelfSigned(sidecar), { cert: scraper.chainPem, key: scraper.keyPem });
    expect(through.status).toBe(200);
    expect(through.body).toContain('# TYPE process_start_time_seconds');
    // RBAC may take a moment to reach the authorizer's cache.
    await waitFor(async () => (await get(kcm.stock.port, kcm.stock.ca, stockScraper)).status === 200, { what: 'stock scrape with a token', timeoutMs: 30_000, intervalMs: 500 });
  });

  it('during the cut, every certificate scrape through the sidecar succeeds while the stock one stops answering', async () => {
    await forwarder.cut();
    const ca = await readSelfSigned(sidecar);
    const tally = { ok: 0, total: 0 };
    // Until the stock component's SubjectAccessReview cache (10 s) has run out and it refuses.
    await waitFor(
      async () => {
        const r = await get(sidecar.address.port, ca, { cert: scraper.chainPem, key: scraper.keyPem });
        tally.total++;
        if (r.status === 200 && r.body.includes('process_start_time_seconds')) tally.ok++;
        return (await get(kcm.stock.port, kcm.stock.ca, stockScraper)).status !== 200;
      },
      { what: 'stock kube-controller-manager to stop answering /metrics', timeoutMs: 90_000, intervalMs: 1000 },
    );
    // A few more scrapes with the stock one refusing.
    for (let i = 0; i < 5; i++) {
      const r = await get(sidecar.address.port, ca, { cert: scraper.chainPem, key: scraper.keyPem });
      tally.total++;
      if (r.status === 200) tally.ok++;
      expect((await get(kcm.stock.port, kcm.stock.ca, stockScraper)).status).not.toBe(200);
    }
    expect(tally.total).toBeGreaterThan(5);
    expect(tally).toEqual({ ok: tally.total, total: tally.total });
  }, 120_000);
});

// The sidecar runs without --tls-cert-file here: its generated certificate is its own trust anchor.
async function readSelfSigned(s: RunningSidecar): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: s.address.port, rejectUnauthorized: false }, () => {
      const pem = `-----BEGIN CERTIFICATE-----\n${socket.getPeerCertificate().raw.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
      socket.end();
      resolve(pem);
    });
    socket.on('error', reject);
  });
}
