// The samples (deploy/samples/) against the real local control plane: the example Prometheus's
// scraper-proxy and the example exporter's target-auth sidecar run with their Deployment args and
// config and serve a scrape with a real scraper certificate; the plain Prometheus wiring passes
// `promtool check config`; the prometheus-operator examples reference the real Secret keys,
// ConfigMap and Service port.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SupervisedProcess, freePorts, waitFor } from '@certscrape/local-cluster/testing';
import { EKU } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf } from '@certscrape/pkcs/testing';
import { DEPLOY_DIR, DEPLOY_SAMPLES, applyKustomization, renderDeploy } from './support/apply-manifests.js';
import { DeployFixture } from './support/deploy-fixture.js';
import { BINS, REPO_ROOT, containerOf, podArgs, reroot, writeAt } from './support/deploy-pod.js';
import type { KubeObject } from './support/kustomize.js';
import { readResponse } from './support/read-response.js';

const rendered = renderDeploy({ components: ['bare-cluster'], samples: [...DEPLOY_SAMPLES] });
const WIRING = join(DEPLOY_DIR, 'samples', 'prometheus-wiring');

let fx: DeployFixture;

beforeAll(async () => {
  fx = await DeployFixture.open();
  await applyKustomization(fx.admin, { components: ['bare-cluster'], samples: [...DEPLOY_SAMPLES] });
});

afterAll(async () => {
  await fx?.close();
});

/** The args of a sample container as its pod gets them. */
const sampleArgs = (deployment: string, container: string) => podArgs(containerOf(rendered, deployment, container), { namespace: 'monitoring', name: `${deployment}-test` });

function startBin(name: string, bin: string, args: string[]): SupervisedProcess {
  return new SupervisedProcess({ name, command: process.execPath, args: [join(REPO_ROOT, bin), ...args], env: { KUBECONFIG: '' }, stopGraceMs: 10_000 });
}

async function httpStatus(target: string): Promise<number> {
  try {
    return (await fetch(target)).status;
  } catch {
    return 0;
  }
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** GET through a forward proxy (absolute-form request target), as Prometheus does with proxy_url. */
function getViaProxy(proxyPort: number, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port: proxyPort, path: target, headers: { host: new URL(target).host, ...headers }, agent: false }, (res) => {
      readResponse(res).then(resolve, reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('the Prometheus wiring samples', () => {
  it("the plain Prometheus examples (and the example Prometheus's embedded config) pass `promtool check config`", () => {
    const files = [join(WIRING, 'scrape-config-cert-files.yml'), join(WIRING, 'scrape-config-proxy-url.yml')];
    const embedded = rendered.find((x) => x.kind === 'ConfigMap' && x.metadata.name === 'prometheus-certscrape-config');
    const embeddedFile = join(fx.work, 'embedded-prometheus.yml');
    writeFileSync(embeddedFile, (embedded?.['data'] as Record<string, string>)['prometheus.yml'] ?? '');
    for (const file of [...files, embeddedFile]) {
      // promtool checks that tls files exist: re-root every *_file path into a scratch dir.
      const root = join(fx.work, 'fsroot');
      const text = readFileSync(file, 'utf8').replace(/(_file:\s*)(\/\S+)/g, (_m, k: string, path: string) => {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), 'placeholder');
        return `${k}${join(root, path)}`;
      });
      const checked = join(fx.work, 'checked.yml');
      writeFileSync(checked, text);
      const out = execFileSync('promtool', ['check', 'config', checked], { encoding: 'utf8' });
      expect(out, file).toContain('SUCCESS');
    }
  });

  it('the prometheus-operator examples reference the real Secret keys, ConfigMap and Service port', () => {
    const docs = ['service-monitor-secret-refs.yaml', 'service-monitor-files.yaml', 'scrape-class.yaml'].flatMap((f) =>
      readFileSync(join(WIRING, f), 'utf8')
        .split(/^---$/m)
        .map((d) => parseYaml(d) as { kind: string; spec: Record<string, unknown> }),
    );
    const monitors = docs.filter((d) => d.kind === 'ServiceMonitor');
    expect(monitors).toHaveLength(3);
    const service = rendered.find((o) => o.kind === 'Service' && o.metadata.name === 'example-exporter') as KubeObject;
    const servicePorts = (service['spec'] as { ports: { name: string }[]; selector: Record<string, string> }).ports.map((p) => p.name);
    const serviceLabels = service.metadata.labels ?? {};
    const certPaths = new Set<string>();
    for (const m of monitors) {
      for (const [k, v] of Object.entries((m.spec['selector'] as { matchLabels: Record<string, string> }).matchLabels)) expect(serviceLabels[k]).toBe(v);
      for (const e of m.spec['endpoints'] as { port: string; tlsConfig?: Record<string, unknown> }[]) {
        expect(servicePorts).toContain(e.port);
        const tls = e.tlsConfig ?? {};
        if (tls['cert'] !== undefined) {
          expect(tls['cert']).toEqual({ secret: { name: 'metrics-client-certs', key: 'tls.crt' } });
          expect(tls['keySecret']).toEqual({ name: 'metrics-client-certs', key: 'tls.key' });
        }
        if (tls['certFile'] !== undefined) certPaths.add(`${String(tls['certFile'])}|${String(tls['keyFile'])}`);
      }
    }
    const prom = docs.find((d) => d.kind === 'Prometheus');
    expect(prom?.spec['secrets']).toEqual(['metrics-client-certs']);
    expect(prom?.spec['serviceAccountName']).toBe('prometheus-k8s');
    for (const c of prom?.spec['scrapeClasses'] as { tlsConfig: { certFile: string; keyFile: string } }[]) certPaths.add(`${c.tlsConfig.certFile}|${c.tlsConfig.keyFile}`);
    // Every file variant points at where prometheus-operator mounts spec.secrets.
    expect([...certPaths]).toEqual(['/etc/prometheus/secrets/metrics-client-certs/tls.crt|/etc/prometheus/secrets/metrics-client-certs/tls.key']);
  });
});

describe('the example sidecars, run with their Deployment args and config', () => {
  it('Prometheus -> scraper-proxy (proxy_url) -> target-auth -> exporter works with the scraper certificate; other paths and unauthenticated clients are refused; no token reaches the exporter', async () => {
    const root = join(fx.work, 'pod-fs');
    const core = fx.admin.makeApiClient(CoreV1Api);
    const scraper = await fx.issueScraperCertificate();
    const servingCa = await createTestCa({ commonName: 'example serving CA' });
    const serving = await issueTestLeaf(servingCa, {
      commonName: 'example-exporter.monitoring.svc',
      extendedKeyUsages: [EKU.serverAuth],
      subjectAltNames: [
        { type: 'dns', value: 'example-exporter.monitoring.svc' },
        { type: 'ip', value: '127.0.0.1' },
      ],
    });
    const clientCa = (await core.readNamespacedConfigMap({ name: 'extension-apiserver-authentication', namespace: 'kube-system' })).data?.['client-ca-file'] ?? '';
    const targetAuthConfig = (rendered.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'example-exporter-target-auth')?.['data'] as Record<string, string>)['config.yaml'] ?? '';
    // The files the pods mount, at the paths the Deployments give (Secret keys tls.crt/tls.key, ConfigMap keys).
    writeAt(root, '/etc/certscrape/client-cert/tls.crt', scraper.cert);
    writeAt(root, '/etc/certscrape/client-cert/tls.key', scraper.key);
    writeAt(root, '/etc/certscrape/serving-ca/ca.crt', servingCa.certPem);
    writeAt(root, '/etc/certscrape/client-ca/client-ca.crt', clientCa);
    writeAt(root, '/etc/certscrape/target-auth/config.yaml', targetAuthConfig);
    writeAt(root, '/etc/certscrape/serving-cert/tls.crt', serving.certPem);
    writeAt(root, '/etc/certscrape/serving-cert/tls.key', serving.keyPem);

    const seen: IncomingHttpHeaders[] = [];
    const exporter = createHttpServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('example_exporter_up 1\n');
    });
    await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
    const exporterPort = (exporter.address() as { port: number }).port;
    const [targetPort, proxyPort, proxyMetricsPort] = (await freePorts(3)) as [number, number, number];

    let sidecar: SupervisedProcess | undefined;
    let proxy: SupervisedProcess | undefined;
    try {
      // Only what differs outside a pod: loopback ports, and the exporter's port.
      sidecar = startBin('target-auth', BINS['target-auth'] ?? '', [
        ...reroot(sampleArgs('example-exporter', 'target-auth'), root),
        `--secure-listen-address=127.0.0.1:${targetPort}`,
        `--upstream=http://127.0.0.1:${exporterPort}/`,
      ]);
      proxy = startBin('scraper-proxy', BINS['scraper-proxy'] ?? '', [
        ...reroot(sampleArgs('prometheus-certscrape', 'scraper-proxy'), root),
        `--listen-address=127.0.0.1:${proxyPort}`,
        `--metrics-bind-address=127.0.0.1:${proxyMetricsPort}`,
      ]);
      const procs = { sidecar, proxy };
      await waitFor(async () => {
        for (const p of Object.values(procs)) p.assertRunning();
        return (await tcpOpen(targetPort)) && (await httpStatus(`http://127.0.0.1:${proxyMetricsPort}/healthz`)) === 200 ? true : undefined;
      }, { what: 'both sidecars listening', timeoutMs: 60_000 });

      const target = `http://127.0.0.1:${targetPort}`;
      const ok = await getViaProxy(proxyPort, `${target}/metrics`, { authorization: 'Bearer must-not-leak' });
      expect(ok.status, ok.body).toBe(200);
      expect(ok.body).toContain('example_exporter_up 1');
      expect(seen).toHaveLength(1);
      expect(seen[0]?.['authorization']).toBeUndefined();

      // Only /metrics is served (allow-paths + the static rule): nothing reaches the exporter.
      const other = await getViaProxy(proxyPort, `${target}/debug`);
      expect([403, 404]).toContain(other.status);
      expect(seen).toHaveLength(1);

      // A client without the certificate is not authenticated by the sidecar.
      const anonymous = await new Promise<number>((resolve) => {
        httpsRequest({ host: '127.0.0.1', port: targetPort, path: '/metrics', ca: servingCa.certPem, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', () => resolve(-1))
          .end();
      });
      expect(anonymous === 401 || anonymous === -1, `status ${anonymous}`).toBe(true);
      expect(seen).toHaveLength(1);
      expect(await httpStatus(`http://127.0.0.1:${proxyMetricsPort}/metrics`)).toBe(200);
    } finally {
      await proxy?.stop();
      await sidecar?.stop();
      await new Promise<void>((resolve) => exporter.close(() => resolve()));
    }
  });
});
