// The images, run (issue 15): every image `npm run images` built is started with podman against the
// local control plane (host network) the way a restricted pod runs it — read-only root, no
// capabilities, the image's non-root user, only the app's flags as arguments (a Deployment's
// `args:`). The approver and the operator issue the scraper certificate from their images; the
// target-auth and scraper-proxy images serve a scrape with it; every image answers --version and
// --help, and exits 0 on SIGTERM within the grace period.
// Run by `npm run test:images` (scripts/test-images.sh), not by `npm test`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { localClusterFromInject, localClusterHandleFromInject } from '@certscrape/local-cluster/testing';
import type { LocalCluster } from '@certscrape/local-cluster/testing';
import { certificateMatchesKey, importPrivateKeyPem, parseCertificate } from '@certscrape/pkcs';
import { toKubeConfig } from './support/apply-manifests.js';
import { applyDeployIdentities } from './support/deploy-identities.js';
import { freePort } from './support/free-port.js';
import { kubeRbacProxyConfig } from './support/namespace-targets.js';
import { Container, localImage, podman, runOnce, type Mount } from './support/podman.js';
import { scrapeDirect, scrapeViaProxy } from './support/scrape-client.js';
import { createServingPki, type ServingPki } from './support/serving-pki.js';
import { waitFor } from './support/wait-for.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const NS = 'monitoring';
const SCRAPER = 'system:serviceaccount:monitoring:prometheus-k8s';
/** Image (= workspace directory) -> its bin, which names itself in `--version`. */
const APPS = {
  'csr-approver': 'certscrape-csr-approver',
  'monitoring-operator': 'certscrape-monitoring-operator',
  'scraper-proxy': 'certscrape-scraper-proxy',
  'target-auth': 'certscrape-target-auth',
} as const;
type App = keyof typeof APPS;
/** Kubernetes' default terminationGracePeriodSeconds: a SIGTERM'd container must be gone before it. */
const GRACE_SECONDS = 30;

let admin: KubeConfig;
let cluster: LocalCluster;
let work: string;
const containers: Container[] = [];

/** A file the container user (65532) can read, at a fixed path inside a 0700 scratch dir. */
function hostFile(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text, { mode: 0o644 });
  return path;
}

async function start(app: App, suffix: string, args: readonly string[], mounts: readonly Mount[]): Promise<Container> {
  const c = await Container.start(`certscrape-images-test-${suffix}`, localImage(app, VERSION), args, mounts);
  containers.push(c);
  return c;
}

/** true once `url` answers 2xx; undefined before; throws (with its logs) once `c` has exited. */
async function healthy(c: Container, url: string): Promise<true | undefined> {
  await c.assertRunning();
  const res = await fetch(url).catch(() => undefined);
  return res?.ok ? true : undefined;
}

/** `what`, with the containers' logs appended to its error on failure to the error (they are removed afterwards). */
async function withLogs<T>(what: Promise<T>, ...cs: Container[]): Promise<T> {
  try {
    return await what;
  } catch (e) {
    const logs = await Promise.all(cs.map(async (c) => `--- ${c.name} ---\n${(await c.logs()).slice(-6000)}`));
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${logs.join('\n')}`, { cause: e });
  }
}

/** Stops `c` with SIGTERM and asserts a clean exit (0) well inside the grace period (no SIGKILL). */
async function expectGracefulStop(c: Container): Promise<void> {
  const { exitCode, elapsedMs } = await c.stop(GRACE_SECONDS);
  expect({ container: c.name, exitCode }).toEqual({ container: c.name, exitCode: 0 });
  expect(elapsedMs, `${c.name} took ${elapsedMs} ms to stop`).toBeLessThan(GRACE_SECONDS * 1000);
}

beforeAll(async () => {
  const info = localClusterFromInject();
  admin = toKubeConfig(info.kubeconfig);
  cluster = await localClusterHandleFromInject();
  work = mkdtempSync(join(tmpdir(), 'certscrape-images-'));
  const missing: string[] = [];
  for (const app of Object.keys(APPS)) if ((await podman(['image', 'exists', localImage(app, VERSION)])).code !== 0) missing.push(localImage(app, VERSION));
  if (missing.length > 0) throw new Error(`images missing: ${missing.join(', ')} — run \`npm run images\` first`);
  // The base references the namespace (it does not own it); the identities and RBAC come from deploy/.
  try {
    await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  } catch (e) {
    if (!(e instanceof ApiException && e.code === 409)) throw e;
  }
  await applyDeployIdentities(info.kubeconfig);
}, 120_000);

afterAll(async () => {
  for (const c of containers) await c.remove();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('every image, as built by npm run images', () => {
  it.each(Object.entries(APPS))('%s: --version prints "<bin> <version>", --help documents --version, both exit 0; non-root, tini as PID 1, OCI labels', async (app, bin) => {
    const image = localImage(app, VERSION);
    const version = await runOnce(image, ['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${bin} ${VERSION}\n` });
    const help = await runOnce(image, ['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('--version');

    const inspect = JSON.parse((await podman(['image', 'inspect', image])).stdout) as { Config: { User?: string; Entrypoint?: string[]; Cmd?: string[] | null; Labels?: Record<string, string> } }[];
    const config = inspect[0]?.Config;
    expect(config?.User).toBe('65532:65532');
    // The bin is in ENTRYPOINT and CMD is empty: a Deployment's `args:` are the app's flags.
    expect(config?.Entrypoint).toEqual(['/usr/bin/tini', '-g', '--', 'node', '/app/main.js']);
    expect(config?.Cmd ?? []).toEqual([]);
    expect(config?.Labels).toMatchObject({
      'org.opencontainers.image.title': `certscrape-${app}`,
      'org.opencontainers.image.version': VERSION,
      'org.opencontainers.image.licenses': 'Apache-2.0',
    });
  });
});

describe('the images against the local control plane', () => {
  let issued: { certPem: string; keyPem: string } | undefined;

  it('csr-approver and monitoring-operator, each from its image with its own token, issue the scraper certificate into the Secret; both stop on SIGTERM with exit 0', async () => {
    // Given: each controller's service-account kubeconfig, mounted as a pod would have its token.
    const kubeconfig = async (sa: string): Promise<string> => {
      const file = await cluster.serviceAccountKubeconfig({ namespace: NS, name: sa, out: join(work, `${sa}.kubeconfig.src`), expirationSeconds: 3600 });
      return hostFile(`${sa}.kubeconfig`, readFileSync(file, 'utf8'));
    };
    const ports = { approverHealth: await freePort(), approverMetrics: await freePort(), operatorHealth: await freePort(), operatorMetrics: await freePort() };
    const kc = '/var/run/certscrape/kubeconfig';

    // When: both run from their images.
    const approver = await start(
      'csr-approver',
      'approver',
      [
        `--kubeconfig=${kc}`,
        '--leader-elect=false',
        `--health-probe-bind-address=127.0.0.1:${ports.approverHealth}`,
        `--metrics-bind-address=127.0.0.1:${ports.approverMetrics}`,
        `--scraper-identity=${SCRAPER}`,
        `--operator-service-account=${NS}/monitoring-operator`,
      ],
      [{ source: await kubeconfig('csr-approver'), target: kc }],
    );
    const operator = await start(
      'monitoring-operator',
      'operator',
      [
        `--kubeconfig=${kc}`,
        '--leader-elect=false',
        `--health-probe-bind-address=127.0.0.1:${ports.operatorHealth}`,
        `--metrics-bind-address=127.0.0.1:${ports.operatorMetrics}`,
        `--namespace=${NS}`,
        `--scraper-identity=${SCRAPER}`,
      ],
      [{ source: await kubeconfig('monitoring-operator'), target: kc }],
    );
    await waitFor(() => healthy(approver, `http://127.0.0.1:${ports.approverHealth}/healthz`), { what: 'csr-approver container /healthz', timeoutMs: 60_000 });
    await waitFor(() => healthy(operator, `http://127.0.0.1:${ports.operatorHealth}/healthz`), { what: 'monitoring-operator container /healthz', timeoutMs: 60_000 });

    // Then: the Secret holds a certificate for the scraper identity that matches its key.
    const core = admin.makeApiClient(CoreV1Api);
    const secret = await withLogs(
      waitFor(
        async () => {
          await approver.assertRunning();
          await operator.assertRunning();
          const s = await core.readNamespacedSecret({ name: 'metrics-client-certs', namespace: NS }).catch(() => undefined);
          return s?.data?.['tls.crt'] && s.data['tls.key'] ? s : undefined;
        },
        { what: 'Secret monitoring/metrics-client-certs issued by the containers', timeoutMs: 180_000 },
      ),
      approver,
      operator,
    );
    const certPem = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
    const keyPem = Buffer.from(secret.data?.['tls.key'] ?? '', 'base64').toString('utf8');
    const cert = parseCertificate(certPem);
    expect(cert.subject.flat().map((a) => `${a.shortName}=${a.value}`)).toEqual([`CN=${SCRAPER}`]);
    expect(await certificateMatchesKey(cert, await importPrivateKeyPem(keyPem))).toBe(true);
    issued = { certPem, keyPem };
    for (const c of [approver, operator]) expect(await c.logs(), `${c.name} was refused something by RBAC`).not.toMatch(/forbidden/i);

    // And: SIGTERM (podman stop) ends both cleanly, well before the grace period.
    await expectGracefulStop(operator);
    await expectGracefulStop(approver);
  }, 420_000);

  it('the target-auth image serves a scrape to that certificate (and 401 to none), and the scraper-proxy image forwards one with it; both stop on SIGTERM with exit 0', async () => {
    expect(issued, 'the previous test issued no certificate').toBeDefined();
    const client = issued ?? { certPem: '', keyPem: '' };
    // Given: a plain-HTTP metrics upstream on loopback, the cluster's client CA, serving PKI for 127.0.0.1.
    const upstream: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end('images_test_up 1\n');
    });
    await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
    const upstreamPort = (upstream.address() as { port: number }).port;
    try {
      const authn = await admin.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'extension-apiserver-authentication', namespace: 'kube-system' });
      const serving: ServingPki = await createServingPki(join(work, 'serving'), '127.0.0.1');
      const files = {
        clientCa: hostFile('client-ca.crt', authn.data?.['client-ca-file'] ?? ''),
        config: hostFile('config.yaml', kubeRbacProxyConfig(SCRAPER)),
        servingCrt: hostFile('serving.crt', readFileSync(serving.certFile, 'utf8')),
        servingKey: hostFile('serving.key', readFileSync(serving.keyFile, 'utf8')),
        servingCa: hostFile('serving-ca.crt', readFileSync(serving.caFile, 'utf8')),
        clientCrt: hostFile('tls.crt', client.certPem),
        clientKey: hostFile('tls.key', client.keyPem),
      };
      const ports = { sidecar: await freePort(), proxy: await freePort(), proxyMetrics: await freePort() };

      // When: the sidecar fronts the upstream, and the proxy holds the client certificate.
      const sidecar = await start(
        'target-auth',
        'sidecar',
        [
          `--secure-listen-address=127.0.0.1:${ports.sidecar}`,
          `--upstream=http://127.0.0.1:${upstreamPort}/`,
          '--client-ca-file=/etc/certscrape/client-ca/client-ca.crt',
          '--config-file=/etc/certscrape/config/config.yaml',
          '--tls-cert-file=/etc/certscrape/serving/tls.crt',
          '--tls-private-key-file=/etc/certscrape/serving/tls.key',
        ],
        [
          { source: files.clientCa, target: '/etc/certscrape/client-ca/client-ca.crt' },
          { source: files.config, target: '/etc/certscrape/config/config.yaml' },
          { source: files.servingCrt, target: '/etc/certscrape/serving/tls.crt' },
          { source: files.servingKey, target: '/etc/certscrape/serving/tls.key' },
        ],
      );
      const proxy = await start(
        'scraper-proxy',
        'proxy',
        [
          `--listen-address=127.0.0.1:${ports.proxy}`,
          `--metrics-bind-address=127.0.0.1:${ports.proxyMetrics}`,
          '--cert-file=/etc/certscrape/client/tls.crt',
          '--key-file=/etc/certscrape/client/tls.key',
          '--upstream-ca-file=/etc/certscrape/serving-ca/ca.crt',
        ],
        [
          { source: files.clientCrt, target: '/etc/certscrape/client/tls.crt' },
          { source: files.clientKey, target: '/etc/certscrape/client/tls.key' },
          { source: files.servingCa, target: '/etc/certscrape/serving-ca/ca.crt' },
        ],
      );
      const servingCaPem = readFileSync(serving.caFile, 'utf8');
      const target = `127.0.0.1:${ports.sidecar}`;

      // Then: a direct scrape with the issued certificate gets 200; a token (no certificate) gets 401.
      await withLogs(
        waitFor(
          async () => {
            await sidecar.assertRunning();
            return (await scrapeDirect(target, client, servingCaPem)).status === 200 ? true : undefined;
          },
          { what: 'target-auth container answering the scraper certificate with 200', timeoutMs: 60_000 },
        ),
        sidecar,
      );
      expect((await scrapeDirect(target, { token: 'not-a-token' }, servingCaPem)).status).toBe(401);

      // And: a scrape through the proxy container (Prometheus' proxy_url) gets 200 end to end.
      await withLogs(waitFor(() => healthy(proxy, `http://127.0.0.1:${ports.proxyMetrics}/healthz`), { what: 'scraper-proxy container /healthz', timeoutMs: 60_000 }), proxy);
      expect(await scrapeViaProxy(`http://127.0.0.1:${ports.proxy}`, target), await proxy.logs()).toEqual({ status: 200 });

      // And: SIGTERM ends both cleanly, well before the grace period.
      await expectGracefulStop(proxy);
      await expectGracefulStop(sidecar);
    } finally {
      await new Promise<void>((ok) => upstream.close(() => ok()));
    }
  }, 300_000);
});
