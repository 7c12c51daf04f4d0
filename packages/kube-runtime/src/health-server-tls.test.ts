import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EKU } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf } from '@certscrape/pkcs/testing';
import type { TestCa, TestLeaf } from '@certscrape/pkcs/testing';
import { Counter, Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost, startHealthServer } from './health-server.js';
import type { HealthServer } from './health-server.js';
import { waitFor } from '@certscrape/local-cluster/testing';

const SCRAPER = 'system:serviceaccount:monitoring:prometheus-k8s';

let dir: string;
let clientCa: TestCa;
let otherCa: TestCa;
let scraper: TestLeaf;
let stranger: TestLeaf;
let foreignScraper: TestLeaf;
let server: HealthServer | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'health-server-tls-'));
  clientCa = await createTestCa({ commonName: 'cluster client CA' });
  otherCa = await createTestCa({ commonName: 'some other CA' });
  scraper = await issueTestLeaf(clientCa, { commonName: SCRAPER });
  stranger = await issueTestLeaf(clientCa, { commonName: 'system:serviceaccount:default:someone' });
  foreignScraper = await issueTestLeaf(otherCa, { commonName: SCRAPER });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly servedBy: string | undefined;
}

/** GET over HTTPS, optionally presenting a client certificate; the serving certificate is checked only when `ca` is given. */
function get(url: string, client?: TestLeaf, ca?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, ...(client ? { cert: client.certPem, key: client.keyPem } : {}), ...(ca ? { ca, servername: 'localhost' } : { rejectUnauthorized: false }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, servedBy: peer?.subject?.CN as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

function registryWithOneCounter(): Registry {
  const registry = new Registry();
  new Counter({ name: 'app_things_total', help: 'x', registers: [registry] }).inc(7);
  return registry;
}

describe('startHealthServer: /metrics over TLS, authorized by target-auth', () => {
  it('serves /metrics only to a client certificate of an allowed user from the client CA; probes stay plain HTTP', async () => {
    const caFile = join(dir, 'client-ca.crt');
    writeFileSync(caFile, clientCa.certPem);
    const registry = registryWithOneCounter();
    let ready = false;
    server = await startHealthServer({ healthBindAddress: '127.0.0.1:0', metricsBindAddress: '127.0.0.1:0', registry, readyChecks: { synced: () => ready }, metricsTls: { clientCaFile: caFile, allowedUsers: [SCRAPER], pollIntervalMs: 50 } });
    expect(server.metricsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.healthUrl).toMatch(/^http:\/\//);

    await waitFor(async () => (await get(`${server!.metricsUrl}/metrics`, scraper)).status === 200, { what: 'the CA bundle is in use', timeoutMs: 10_000, intervalMs: 25 });
    const ok = await get(`${server.metricsUrl}/metrics`, scraper);
    expect(ok.body).toContain('app_things_total 7');
    expect(ok.body).toContain('certscrape_ready 0');
    expect(ok.body).toContain('certscrape_ready_check{check="synced"} 0');
    ready = true;
    expect((await get(`${server.metricsUrl}/metrics`, scraper)).body).toContain('certscrape_ready 1');

    const anonymous = await get(`${server.metricsUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    const wrongUser = await get(`${server.metricsUrl}/metrics`, stranger);
    expect(wrongUser.status).toBe(403);
    expect(wrongUser.body).toContain('system:serviceaccount:default:someone');
    expect((await get(`${server.metricsUrl}/metrics`, foreignScraper)).status).toBe(401);
    // The static rule is GET /metrics only.
    expect((await get(`${server.metricsUrl}/debug/pprof`, scraper)).status).toBe(403);

    // The refusals are counted where the alerts look for them (target-auth's decision counter).
    const after = (await get(`${server.metricsUrl}/metrics`, scraper)).body;
    expect(after).toMatch(/certscrape_target_auth_decisions_total\{method="client-certificate",result="forbidden"\} [1-9]/);
    expect(after).toMatch(/certscrape_target_auth_decisions_total\{method="client-certificate",result="allowed"\} [1-9]/);
    expect(after).toContain('certscrape_target_auth_ca_bundle_reloads_total{result="success"} 1');

    expect((await fetch(`${server.healthUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.healthUrl}/metrics`)).status).toBe(404);
  });

  it('starts before the client CA file exists, refuses every client until it appears, then picks it up without a restart', async () => {
    const caFile = join(dir, 'late', 'client-ca.crt');
    server = await startHealthServer({ healthBindAddress: '0', metricsBindAddress: '127.0.0.1:0', registry: registryWithOneCounter(), metricsTls: { clientCaFile: caFile, allowedUsers: [SCRAPER], pollIntervalMs: 50 } });
    expect((await get(`${server.metricsUrl}/metrics`, scraper)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect((await get(`${server.metricsUrl}/metrics`, scraper)).status).toBe(401);
    rmSync(join(dir, 'late'), { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'late'));
    writeFileSync(caFile, clientCa.certPem);
    await waitFor(async () => (await get(`${server!.metricsUrl}/metrics`, scraper)).status === 200, { what: 'the late CA bundle is picked up', timeoutMs: 10_000, intervalMs: 25 });
    const body = (await get(`${server.metricsUrl}/metrics`, scraper)).body;
    // Waiting for the file is not a failed reload (the CA-reload alert stays quiet on a fresh install).
    expect(body).not.toMatch(/certscrape_target_auth_ca_bundle_reloads_total\{result="error"\} [1-9]/);
    expect((await get(`${server.metricsUrl}/metrics`, stranger)).status).toBe(403);
  });

  it('serves the configured serving certificate (verifiable by the scraper) instead of a self-signed one', async () => {
    const caFile = join(dir, 'client-ca-2.crt');
    writeFileSync(caFile, clientCa.certPem);
    const servingCa = await createTestCa({ commonName: 'serving CA' });
    const serving = await issueTestLeaf(servingCa, { commonName: 'csr-approver-metrics.monitoring.svc', extendedKeyUsages: [EKU.serverAuth], subjectAltNames: [{ type: 'dns', value: 'localhost' }] });
    writeFileSync(join(dir, 'tls.crt'), serving.certPem);
    writeFileSync(join(dir, 'tls.key'), serving.keyPem);
    server = await startHealthServer({
      healthBindAddress: '0',
      metricsBindAddress: '127.0.0.1:0',
      registry: registryWithOneCounter(),
      metricsTls: { clientCaFile: caFile, allowedUsers: [SCRAPER], certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), pollIntervalMs: 50 },
    });
    await waitFor(async () => (await get(`${server!.metricsUrl}/metrics`, scraper, servingCa.certPem)).status === 200, { what: 'verified scrape', timeoutMs: 10_000, intervalMs: 25 });
    expect((await get(`${server.metricsUrl}/metrics`, scraper, servingCa.certPem)).servedBy).toBe('csr-approver-metrics.monitoring.svc');
  });

  it('without files, serves a self-signed certificate', async () => {
    writeFileSync(join(dir, 'client-ca-3.crt'), clientCa.certPem);
    server = await startHealthServer({ healthBindAddress: '0', metricsBindAddress: '127.0.0.1:0', metricsTls: { clientCaFile: join(dir, 'client-ca-3.crt'), allowedUsers: [SCRAPER] } });
    const reply = await get(`${server.metricsUrl}/metrics`);
    expect(reply.status).toBe(401);
    expect(reply.servedBy).toBe('certscrape-target-auth');
  });
});

describe('startHealthServer: plain-HTTP metrics are loopback only', () => {
  it.each([':0', '0.0.0.0:0', '[::]:0', '10.0.0.1:0'])('refuses plain /metrics on %s with KUBE_RUNTIME_ERR_METRICS_TLS (nothing is bound)', async (address) => {
    await expect(startHealthServer({ healthBindAddress: '0', metricsBindAddress: address })).rejects.toMatchObject({ code: 'KUBE_RUNTIME_ERR_METRICS_TLS' });
  });

  it('refuses unusable TLS options with KUBE_RUNTIME_ERR_METRICS_TLS', async () => {
    await expect(startHealthServer({ healthBindAddress: '0', metricsBindAddress: '127.0.0.1:0', metricsTls: { clientCaFile: '/x', allowedUsers: [] } })).rejects.toMatchObject({ code: 'KUBE_RUNTIME_ERR_METRICS_TLS' });
    await expect(startHealthServer({ healthBindAddress: '0', metricsBindAddress: '127.0.0.1:0', metricsTls: { clientCaFile: '/x', allowedUsers: [SCRAPER], certFile: '/only-a-cert' } })).rejects.toMatchObject({ code: 'KUBE_RUNTIME_ERR_METRICS_TLS' });
    await expect(startHealthServer({ healthBindAddress: '0', metricsBindAddress: '127.0.0.1:0', metricsTls: { clientCaFile: '/x', allowedUsers: [SCRAPER], certFile: join(dir, 'missing.crt'), keyFile: join(dir, 'missing.key') } })).rejects.toMatchObject({ code: 'KUBE_RUNTIME_ERR_METRICS_TLS' });
  });

  it('HTTPS metrics cannot share the plain probe port', async () => {
    await expect(startHealthServer({ healthBindAddress: '127.0.0.1:18081', metricsBindAddress: '127.0.0.1:18081', metricsTls: { clientCaFile: '/x', allowedUsers: [SCRAPER] } })).rejects.toMatchObject({ code: 'KUBE_RUNTIME_ERR_BIND_ADDRESS' });
  });

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['example.com', false],
    ['localhost.example.com', false],
  ])('isLoopbackHost(%s) is %s', (host, expected) => expect(isLoopbackHost(host)).toBe(expected));
});
