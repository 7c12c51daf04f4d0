// Migration proof: the built `certscrape-target-auth` bin started with the kube-rbac-proxy argument
// lists of real deployments, verbatim, and scraped through with the scraper certificate over h2
// and HTTP/1.1. The only changes are the ones Kubernetes itself makes or a test host needs:
// - `$(IP)` is expanded from the container env, as the kubelet does (here to 127.0.0.2, so the
//   sidecar and the upstream share a port number on different addresses, as with hostNetwork);
// - fixed port numbers are mapped to free ones, and `/etc/...` paths to a temp dir;
// - the certscrape additions are env + files, never args: CERTSCRAPE_CLIENT_CA_FILE (the mounted
//   metrics-client-ca) and, where the manifest has no --config-file, CERTSCRAPE_CONFIG_FILE.
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type RequestOptions } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EKU } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf, type TestCa, type TestLeaf } from '@certscrape/pkcs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h2Request } from './test-support/h2-client.js';
import { freePort } from '@certscrape/local-cluster/testing';

const BIN = fileURLToPath(new URL('../bin/certscrape-target-auth.js', import.meta.url));
const SCRAPER = 'system:serviceaccount:monitoring:prometheus-k8s';
const OPENSHIFT_SCRAPER = 'system:serviceaccount:openshift-monitoring:prometheus-k8s';
const CIPHERS = 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305';

interface Deployment {
  readonly name: string;
  /** The container's args exactly as the manifest has them. */
  readonly args: readonly string[];
  /** The container's env (after valueFrom resolution). */
  readonly env: Record<string, string>;
  /** Where the exporter listens (host, manifest port). */
  readonly upstream: { readonly host: string; readonly port: number };
  /** The sidecar's address as the scraper reaches it (host, manifest port). */
  readonly sidecar: { readonly host: string; readonly port: number };
  /** Whether the manifest gives a serving certificate (else a generated self-signed one). */
  readonly servingCert: boolean;
  readonly user: string;
}

const DEPLOYMENTS: readonly Deployment[] = [
  {
    name: 'kube-prometheus node-exporter (kube-rbac-proxy v0.14.2)',
    args: ['--secure-listen-address=[$(IP)]:9100', `--tls-cipher-suites=${CIPHERS}`, '--upstream=http://127.0.0.1:9100/'],
    env: { IP: '127.0.0.2' },
    upstream: { host: '127.0.0.1', port: 9100 },
    sidecar: { host: '127.0.0.2', port: 9100 },
    servingCert: false,
    user: SCRAPER,
  },
  {
    name: 'kube-prometheus kube-state-metrics kube-rbac-proxy-main (v0.16.0)',
    args: ['--secure-listen-address=:8443', `--tls-cipher-suites=${CIPHERS}`, '--upstream=http://127.0.0.1:8081/'],
    env: {},
    upstream: { host: '127.0.0.1', port: 8081 },
    sidecar: { host: '127.0.0.1', port: 8443 },
    servingCert: false,
    user: SCRAPER,
  },
  {
    name: 'OpenShift thanos-querier kube-rbac-proxy-metrics (static authorization)',
    args: [
      '--secure-listen-address=0.0.0.0:9094',
      '--upstream=http://127.0.0.1:9090',
      '--config-file=/etc/kube-rbac-proxy/config.yaml',
      '--tls-cert-file=/etc/tls/private/tls.crt',
      '--tls-private-key-file=/etc/tls/private/tls.key',
      `--tls-cipher-suites=${CIPHERS}`,
      '--client-ca-file=/etc/tls/client/client-ca.crt',
      '--logtostderr=true',
      '--allow-paths=/metrics',
    ],
    env: {},
    upstream: { host: '127.0.0.1', port: 9090 },
    sidecar: { host: '127.0.0.1', port: 9094 },
    servingCert: true,
    user: OPENSHIFT_SCRAPER,
  },
];

// The static-authorization Secret as cluster-monitoring-operator writes it (JSON-style YAML).
const OPENSHIFT_CONFIG = `"authorization":\n  "static":\n  - "path": "/metrics"\n    "resourceRequest": false\n    "user":\n      "name": "${OPENSHIFT_SCRAPER}"\n    "verb": "get"\n`;
const KUBE_PROMETHEUS_RULES = `authorization:\n  static:\n    - user: {name: ${SCRAPER}}\n      verb: get\n      path: /metrics\n      resourceRequest: no\n`;

/** What the kubelet does to args: `$(VAR)` -> the env value (undefined variables stay as written). */
function expandKubernetesArgs(args: readonly string[], env: Record<string, string>): string[] {
  return args.map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m));
}

function https1(port: number, host: string, leaf: TestLeaf | undefined, ca: string | undefined, path = '/metrics'): Promise<{ status: number; body: string; alpn: string | false }> {
  return new Promise((resolve, reject) => {
    // Offer only http/1.1 in ALPN: the sidecar must fall back from h2 (node:https passes TLS options on).
    const options: RequestOptions & ConnectionOptions = { host, port, path, agent: false, ALPNProtocols: ['http/1.1'], ...(ca ? { ca } : { rejectUnauthorized: false }), ...(leaf ? { cert: leaf.chainPem, key: leaf.keyPem } : {}) };
    const req = request(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, alpn: (res.socket as { alpnProtocol?: string | false }).alpnProtocol ?? false }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('migration proof: verbatim kube-rbac-proxy argument lists', () => {
  let dir: string;
  let clientCa: TestCa;
  let servingCa: TestCa;
  const children: ChildProcess[] = [];
  const servers: Server[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'target-auth-migration-'));
    [clientCa, servingCa] = await Promise.all([createTestCa({ commonName: 'metrics client CA' }), createTestCa({ commonName: 'service CA' })]);
    const serving = await issueTestLeaf(servingCa, { commonName: 'thanos-querier', extendedKeyUsages: [EKU.serverAuth], subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }] });
    for (const [path, text] of [
      ['etc/tls/client/client-ca.crt', clientCa.certPem],
      ['etc/tls/private/tls.crt', serving.chainPem],
      ['etc/tls/private/tls.key', serving.keyPem],
      ['etc/kube-rbac-proxy/config.yaml', OPENSHIFT_CONFIG],
      ['certscrape/rules.yaml', KUBE_PROMETHEUS_RULES],
    ] as const) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    for (const s of servers) await new Promise((r) => s.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it.each(DEPLOYMENTS.map((d) => [d.name, d] as const))('%s: starts and serves h2 and HTTP/1.1 scrapes by certificate', async (_name, d) => {
    // The exporter, on its manifest address with a free port.
    const port = await freePort(d.upstream.host);
    const exporter = createServer((req, res) => res.end(`# exporter metrics for ${req.url}\nup 1\n`));
    servers.push(exporter);
    await new Promise<void>((r) => exporter.listen(port, d.upstream.host, () => r()));
    const sidecarPort = d.sidecar.port === d.upstream.port ? port : await freePort('127.0.0.1');
    const ports: Record<number, number> = { [d.upstream.port]: port, [d.sidecar.port]: sidecarPort };
    const args = expandKubernetesArgs(d.args, d.env).map((a) => a.replace(/:(\d{4,5})(\/|$)/, (m, p: string, tail: string) => (ports[Number(p)] ? `:${ports[Number(p)]}${tail}` : m)).replace('=/etc/', `=${dir}/etc/`));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, CERTSCRAPE_CLIENT_CA_FILE: join(dir, 'etc/tls/client/client-ca.crt'), ...(d.args.some((a) => a.startsWith('--config-file')) ? {} : { CERTSCRAPE_CONFIG_FILE: join(dir, 'certscrape/rules.yaml') }) };
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise<void>((resolve, reject) => {
      const check = () => (out.includes('certscrape-target-auth listening') ? resolve() : undefined);
      child.stdout?.on('data', check);
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    expect(out).not.toMatch(/"level":50/);

    const leaf = await issueTestLeaf(clientCa, { commonName: d.user });
    const stranger = await issueTestLeaf(clientCa, { commonName: 'system:serviceaccount:default:default' });
    const ca = d.servingCert ? servingCa.certPem : undefined;
    const host = d.sidecar.host;
    const h1 = await https1(sidecarPort, host, leaf, ca);
    expect([h1.status, h1.alpn, h1.body]).toEqual([200, 'http/1.1', '# exporter metrics for /metrics\nup 1\n']);
    const h2 = await h2Request({ host, port: sidecarPort, ca: ca ?? '', insecure: ca === undefined, identity: { cert: leaf.chainPem, key: leaf.keyPem } });
    expect([h2.status, h2.body]).toEqual([200, '# exporter metrics for /metrics\nup 1\n']);
    // The same decisions as kube-rbac-proxy's static authorization: others are denied, anonymous is 401.
    expect((await https1(sidecarPort, host, stranger, ca)).status).toBe(403);
    expect((await https1(sidecarPort, host, undefined, ca)).status).toBe(401);
    // The klog flag some manifests pass produced one warning, nothing else.
    if (d.args.includes('--logtostderr=true')) expect(out).toContain('klog flags accepted and ignored (logs are JSON on stdout): --logtostderr');
  });
});
