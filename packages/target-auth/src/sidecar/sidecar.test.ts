// The sidecar in-process: a real plain-HTTP upstream, real TLS, real files (kube-rbac-proxy
// config, `..data` volumes for the client CA and the serving pair).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EKU } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf, type TestCa, type TestLeaf } from '@certscrape/pkcs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSidecarFlags, type SidecarConfig } from '../config.js';
import { isTargetAuthError } from '../errors.js';
import { SCRAPER } from '../test-support/fixtures.js';
import { httpsRequest, singleConnectionAgent } from '../test-support/https-client.js';
import { SecretVolume } from '@certscrape/local-cluster/testing';
import { startSidecar, type RunningSidecar } from './sidecar.js';

const CONFIG = `
authorization:
  static:
    - user:
        name: ${SCRAPER}
      verb: get
      path: /metrics
      resourceRequest: false
    - user:
        groups: ["system:monitoring"]
      verb: get
      path: /federate
      resourceRequest: false
`;

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

describe('certscrape-target-auth sidecar', () => {
  let clientCa: TestCa;
  let servingCa: TestCa;
  let servingCa2: TestCa;
  let scraper: TestLeaf;
  let intruder: TestLeaf;
  let member: TestLeaf;
  let dir: string;
  let caVol: SecretVolume;
  let tlsVol: SecretVolume;
  let upstream: Server;
  let upstreamConnections = 0;
  const seen: Seen[] = [];
  let sidecar: RunningSidecar;
  let config: SidecarConfig;

  beforeAll(async () => {
    [clientCa, servingCa, servingCa2] = await Promise.all([createTestCa({ commonName: 'metrics client CA' }), createTestCa({ commonName: 'serving CA 1' }), createTestCa({ commonName: 'serving CA 2' })]);
    [scraper, intruder, member] = await Promise.all([
      issueTestLeaf(clientCa, { commonName: SCRAPER }),
      issueTestLeaf(clientCa, { commonName: 'intruder' }),
      issueTestLeaf(clientCa, { commonName: 'other-scraper', organizations: ['system:monitoring'] }),
    ]);
    const servingLeaf = await issueTestLeaf(servingCa, { commonName: 'target', extendedKeyUsages: [EKU.serverAuth], subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }] });
    dir = await mkdtemp(join(tmpdir(), 'target-auth-sidecar-'));
    await writeFile(join(dir, 'config.yaml'), CONFIG);
    caVol = await SecretVolume.create(undefined, { 'client-ca.crt': clientCa.certPem });
    tlsVol = await SecretVolume.create(undefined, { 'tls.crt': servingLeaf.certPem, 'tls.key': servingLeaf.keyPem });

    upstream = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`upstream saw ${req.url}\n`);
    });
    upstream.on('connection', () => upstreamConnections++);
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const upstreamPort = (upstream.address() as AddressInfo).port;

    const parsed = parseSidecarFlags([
      '--secure-listen-address=127.0.0.1:0',
      `--upstream=http://127.0.0.1:${upstreamPort}/`,
      `--client-ca-file=${caVol.path('client-ca.crt')}`,
      `--config-file=${join(dir, 'config.yaml')}`,
      `--tls-cert-file=${tlsVol.path('tls.crt')}`,
      `--tls-private-key-file=${tlsVol.path('tls.key')}`,
      '--allow-paths=/metrics,/federate,/admin',
      '--file-poll-interval=200',
      '--logtostderr=true',
      '--v=10',
    ]);
    if (parsed.kind !== 'run') throw new Error('expected a run config');
    config = parsed.config;
    sidecar = await startSidecar(config);
  });

  afterAll(async () => {
    await sidecar?.close();
    upstream?.closeAllConnections();
    await new Promise((r) => upstream?.close(r));
    await caVol?.remove();
    await tlsVol?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (leaf: TestLeaf | undefined, path = '/metrics', headers?: Record<string, string>, ca = servingCa.certPem) =>
    httpsRequest({ port: sidecar.address.port, path, ca, ...(headers ? { headers } : {}), ...(leaf ? { identity: { cert: leaf.chainPem, key: leaf.keyPem } } : {}) });

  it('proxies an allowed scrape to the upstream, without identity headers', async () => {
    const before = seen.length;
    const r = await get(scraper, '/metrics?x=1', { 'X-Remote-User': 'admin', 'Impersonate-User': 'admin', Authorization: 'Bearer leaked', 'X-Forwarded-For': '1.2.3.4' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('upstream saw /metrics?x=1\n');
    expect(seen).toHaveLength(before + 1);
    const h = seen[seen.length - 1]!.headers;
    expect(h['x-remote-user']).toBeUndefined();
    expect(h['impersonate-user']).toBeUndefined();
    expect(h.authorization).toBeUndefined();
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('https');
  });

  it('honours user.groups from the kube-rbac-proxy config', async () => {
    expect((await get(member, '/federate')).status).toBe(200);
    expect((await get(member, '/metrics')).status).toBe(403);
  });

  it('401 without a certificate, 403 for another user; the upstream is not called', async () => {
    const before = seen.length;
    expect((await get(undefined)).status).toBe(401);
    const denied = await get(intruder);
    expect(denied.status).toBe(403);
    expect(denied.body).toBe('Forbidden (user=intruder, verb=get, path=/metrics)\n');
    expect(seen).toHaveLength(before);
  });

  it('--allow-paths: other paths are 404 before authentication', async () => {
    expect((await get(scraper, '/debug/pprof')).status).toBe(404);
    expect((await get(undefined, '/debug/pprof')).status).toBe(404);
    expect((await get(scraper, '/admin')).status).toBe(403);
  });

  it('path tricks are refused and never reach the upstream', async () => {
    const before = seen.length;
    for (const p of ['/metrics/../admin', '/metrics/%2e%2e/admin', '//admin', '/METRICS']) {
      expect([403, 404]).toContain((await get(scraper, p)).status);
    }
    expect(seen).toHaveLength(before);
    const r = await get(scraper, '//metrics');
    expect(r.status).toBe(200);
    expect(r.body).toBe('upstream saw /metrics\n');
  });

  it('reuses upstream connections (keep-alive agent)', async () => {
    const agent = singleConnectionAgent({ ca: servingCa.certPem, identity: { cert: scraper.chainPem, key: scraper.keyPem } });
    try {
      await httpsRequest({ port: sidecar.address.port, ca: servingCa.certPem, agent });
      const before = upstreamConnections;
      for (let i = 0; i < 10; i++) expect((await httpsRequest({ port: sidecar.address.port, ca: servingCa.certPem, agent })).status).toBe(200);
      expect(upstreamConnections).toBe(before);
    } finally {
      agent.destroy();
    }
  });

  it('exposes decision metrics', async () => {
    const text = await sidecar.registry.metrics();
    expect(text).toMatch(/certscrape_target_auth_decisions_total\{method="client-certificate",result="allowed"\} [1-9]/);
    expect(text).toMatch(/certscrape_target_auth_decisions_total\{method="none",result="not-found"\} [1-9]/);
  });

  it('hot-reloads the serving pair; a mismatched pair keeps the last good one', async () => {
    const next = await issueTestLeaf(servingCa2, { commonName: 'target', extendedKeyUsages: [EKU.serverAuth], subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }] });
    const stray = await issueTestLeaf(servingCa2, { commonName: 'target', extendedKeyUsages: [EKU.serverAuth], subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }] });
    // Mismatched: new certificate with another key -> still served by CA 1.
    await tlsVol.update({ 'tls.crt': next.certPem, 'tls.key': stray.keyPem });
    await new Promise((r) => setTimeout(r, 600));
    expect((await get(scraper, '/metrics', undefined, servingCa.certPem)).status).toBe(200);
    // A proper pair: new connections are served with it within about a second.
    await tlsVol.update({ 'tls.crt': next.certPem, 'tls.key': next.keyPem });
    const start = Date.now();
    let ok = false;
    while (!ok && Date.now() - start < 3000) {
      ok = await get(scraper, '/metrics', undefined, servingCa2.certPem).then(
        (r) => r.status === 200,
        () => false,
      );
    }
    expect(ok).toBe(true);
    expect(Date.now() - start).toBeLessThan(1500);
    await expect(get(scraper, '/metrics', undefined, servingCa.certPem)).rejects.toThrow();
  });

  it('without serving files, serves a generated self-signed certificate for 127.0.0.1', async () => {
    const own = await startSidecar({ ...config, tlsCertFile: undefined, tlsKeyFile: undefined });
    try {
      const presented = await new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: own.address.port, rejectUnauthorized: false }, () => {
          resolve(s.getPeerX509Certificate()!.toString());
          s.end();
        });
        s.on('error', reject);
      });
      expect(presented).toContain('BEGIN CERTIFICATE');
      // Trusting exactly that certificate, hostname verification for 127.0.0.1 passes.
      const r = await httpsRequest({ port: own.address.port, ca: presented, identity: { cert: scraper.chainPem, key: scraper.keyPem } });
      expect(r.status).toBe(200);
    } finally {
      await own.close();
    }
  });

  it('fails fast on a bad config file, naming the problem by code', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'authorization:\n  static:\n    - verb: get\n');
    try {
      await startSidecar({ ...config, configFile: join(dir, 'bad.yaml') });
      expect.unreachable();
    } catch (e) {
      expect(isTargetAuthError(e, 'TARGET_AUTH_ERR_CONFIG_INVALID')).toBe(true);
    }
  });

  it('fails fast when the client CA file is missing', async () => {
    try {
      await startSidecar({ ...config, clientCaFile: join(dir, 'nope.crt') });
      expect.unreachable();
    } catch (e) {
      expect(isTargetAuthError(e, 'TARGET_AUTH_ERR_CA_BUNDLE_READ')).toBe(true);
    }
  });
});
