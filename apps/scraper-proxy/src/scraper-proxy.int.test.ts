import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startScraperProxy } from './app.js';
import type { ScraperProxy } from './app.js';
import { parseArgs } from './config.js';
import { isProxyError } from './errors.js';
import { createMetrics } from './metrics.js';
import { createProxyFixtures, fingerprintOf } from './testing/fixtures.js';
import type { ProxyFixtures } from './testing/fixtures.js';
import { startMtlsTarget } from './testing/mtls-target.js';
import type { MtlsTarget } from './testing/mtls-target.js';
import { scrapeViaProxy } from './testing/scrape.js';
import { SecretVolume, waitFor } from '@certscrape/local-cluster/testing';

let fx: ProxyFixtures;
let root: string;
let caFile: string;
let target: MtlsTarget;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  fx = await createProxyFixtures();
  root = await mkdtemp(join(tmpdir(), 'scraper-proxy-int-'));
  caFile = join(root, 'service-ca.crt');
  await writeFile(caFile, fx.servingCa.certPem);
  target = await startMtlsTarget({ cert: fx.server.certPem, key: fx.server.keyPem, clientCa: fx.clientCa.certPem });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await target?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

let volumes = 0;
async function mountPair(cert: string, key: string): Promise<SecretVolume> {
  return SecretVolume.create(join(root, `metrics-client-certs-${++volumes}`), { 'tls.crt': cert, 'tls.key': key });
}

interface Running {
  proxy: ScraperProxy;
  logs: Array<Record<string, unknown>>;
}

async function startProxy(volume: SecretVolume, extraArgs: string[] = [], upstreamCaFile = caFile): Promise<Running> {
  const result = parseArgs([
    '--listen-address', '127.0.0.1:0',
    '--metrics-bind-address', '127.0.0.1:0',
    '--cert-file', volume.path('tls.crt'),
    '--key-file', volume.path('tls.key'),
    '--upstream-ca-file', upstreamCaFile,
    '--poll-interval', '50ms',
    '--upstream-timeout', '5s',
    ...extraArgs,
  ]);
  if (result.kind !== 'run') throw new Error('bad test args');
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const proxy = await startScraperProxy(result.config, { logger, metrics: createMetrics({ defaultMetrics: false }) });
  cleanups.push(() => proxy.close());
  return { proxy, logs };
}

async function metricsText(proxy: ScraperProxy): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${proxy.metricsAddress.port}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('scraper-proxy against a real mTLS target with a Secret-volume mount', () => {
  it('presents the mounted client certificate, in absolute form (proxy_url) and path form', async () => {
    const { proxy } = await startProxy(await mountPair(fx.clientA.certPem, fx.clientA.keyPem));
    const absolute = await scrapeViaProxy(proxy.proxyAddress, target.authority);
    expect(absolute.status).toBe(200);
    expect(absolute.body).toContain('certscrape_test_up 1');
    expect(target.requests.at(-1)).toMatchObject({ path: '/metrics', host: target.authority, clientFingerprint: fingerprintOf(fx.clientA) });

    const pathForm = await scrapeViaProxy(proxy.proxyAddress, target.authority, { form: 'path', path: '/metrics?x=1' });
    expect(pathForm.status).toBe(200);
    expect(target.requests.at(-1)).toMatchObject({ path: '/metrics?x=1', clientFingerprint: fingerprintOf(fx.clientA) });
  });

  it('after a ..data swap the next scrape presents the new certificate, although the old connection was pooled', async () => {
    const volume = await mountPair(fx.clientA.certPem, fx.clientA.keyPem);
    const { proxy } = await startProxy(volume);
    await scrapeViaProxy(proxy.proxyAddress, target.authority);
    const first = target.requests.at(-1);
    await scrapeViaProxy(proxy.proxyAddress, target.authority);
    const second = target.requests.at(-1);
    // The precondition that makes this test meaningful: the upstream connection is reused between scrapes.
    expect(second?.connection).toBe(first?.connection);
    expect(second?.clientFingerprint).toBe(fingerprintOf(fx.clientA));

    const changed = once(proxy.reloader, 'change');
    await volume.update({ 'tls.crt': fx.clientB.certPem, 'tls.key': fx.clientB.keyPem });
    await changed;

    const after = await scrapeViaProxy(proxy.proxyAddress, target.authority);
    expect(after.status).toBe(200);
    expect(target.requests.at(-1)?.clientFingerprint).toBe(fingerprintOf(fx.clientB));
    expect(target.requests.at(-1)?.connection).not.toBe(first?.connection);
    expect(await metricsText(proxy)).toMatch(/^certscrape_scraper_proxy_client_certificate_reloads_total 1$/m);
  });

  it('refuses a mismatched pair and a truncated pair, keeps scraping with the last good one, and says so', async () => {
    const volume = await mountPair(fx.clientA.certPem, fx.clientA.keyPem);
    const { proxy, logs } = await startProxy(volume);

    let refused = once(proxy.reloader, 'refused');
    await volume.update({ 'tls.crt': fx.clientB.certPem, 'tls.key': fx.clientA.keyPem });
    const [mismatch] = (await refused) as [unknown];
    expect(isProxyError(mismatch, 'PROXY_ERR_PAIR_MISMATCH')).toBe(true);
    expect((await scrapeViaProxy(proxy.proxyAddress, target.authority)).status).toBe(200);
    expect(target.requests.at(-1)?.clientFingerprint).toBe(fingerprintOf(fx.clientA));

    refused = once(proxy.reloader, 'refused');
    await volume.update({ 'tls.crt': fx.clientB.certPem.slice(0, Math.floor(fx.clientB.certPem.length / 2)), 'tls.key': fx.clientB.keyPem });
    const [truncated] = (await refused) as [unknown];
    expect(isProxyError(truncated, 'PROXY_ERR_PAIR_INVALID')).toBe(true);
    expect((await scrapeViaProxy(proxy.proxyAddress, target.authority)).status).toBe(200);
    expect(target.requests.at(-1)?.clientFingerprint).toBe(fingerprintOf(fx.clientA));

    const warnings = logs.filter((l) => l['msg'] === 'refused new client certificate/key pair; keeping the last good pair');
    expect(warnings.map((w) => w['code'])).toEqual(['PROXY_ERR_PAIR_MISMATCH', 'PROXY_ERR_PAIR_INVALID']);
    const text = await metricsText(proxy);
    expect(text).toMatch(/^certscrape_scraper_proxy_client_certificate_refused_total\{reason="PROXY_ERR_PAIR_MISMATCH"\} 1$/m);
    expect(text).toMatch(/^certscrape_scraper_proxy_client_certificate_refused_total\{reason="PROXY_ERR_PAIR_INVALID"\} 1$/m);
    expect(text).toMatch(/^certscrape_scraper_proxy_client_certificate_refused_pending 1$/m);
    expect(text).toMatch(/^certscrape_scraper_proxy_client_certificate_reloads_total 0$/m);
    // No log line carries key material.
    expect(JSON.stringify(logs)).not.toContain('PRIVATE KEY');

    const changed = once(proxy.reloader, 'change');
    await volume.update({ 'tls.crt': fx.clientB.certPem, 'tls.key': fx.clientB.keyPem });
    await changed;
    expect((await scrapeViaProxy(proxy.proxyAddress, target.authority)).status).toBe(200);
    expect(target.requests.at(-1)?.clientFingerprint).toBe(fingerprintOf(fx.clientB));
    expect(await metricsText(proxy)).toMatch(/^certscrape_scraper_proxy_client_certificate_refused_pending 0$/m);
  });

  it('never forwards the scraper Authorization header to a non-listed target; a listed one gets the configured token, re-read on change', async () => {
    const listed = await startMtlsTarget({ cert: fx.server.certPem, key: fx.server.keyPem, clientCa: fx.clientCa.certPem });
    cleanups.push(() => listed.close());
    const tokenVolume = await SecretVolume.create(join(root, `token-${++volumes}`), { token: 'configured-token-1\n' });
    const { proxy } = await startProxy(await mountPair(fx.clientA.certPem, fx.clientA.keyPem), [
      '--token-file', tokenVolume.path('token'),
      '--token-targets', listed.authority,
    ]);
    const headers = { authorization: 'Bearer scraper-service-account-token' };

    expect((await scrapeViaProxy(proxy.proxyAddress, target.authority, { headers })).status).toBe(200);
    expect(target.requests.at(-1)).toMatchObject({ authorization: undefined, clientFingerprint: fingerprintOf(fx.clientA) });
    expect((await scrapeViaProxy(proxy.proxyAddress, target.authority, { headers, form: 'path' })).status).toBe(200);
    expect(target.requests.at(-1)?.authorization).toBeUndefined();

    expect((await scrapeViaProxy(proxy.proxyAddress, listed.authority, { headers })).status).toBe(200);
    expect(listed.requests.at(-1)?.authorization).toBe('Bearer configured-token-1');

    await tokenVolume.update({ token: 'configured-token-2' });
    const seen = await (async () => {
      for (let i = 0; i < 200; i++) {
        await scrapeViaProxy(proxy.proxyAddress, listed.authority, { headers });
        const a = listed.requests.at(-1)?.authorization;
        if (a !== 'Bearer configured-token-1') return a;
        await new Promise((r) => setTimeout(r, 25));
      }
      return undefined;
    })();
    expect(seen).toBe('Bearer configured-token-2');
    expect(target.requests.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('answers 502 with a clear message when the target serving certificate is not trusted', async () => {
    const rogue = await startMtlsTarget({ cert: fx.untrustedServer.certPem, key: fx.untrustedServer.keyPem, clientCa: fx.clientCa.certPem });
    cleanups.push(() => rogue.close());
    const { proxy } = await startProxy(await mountPair(fx.clientA.certPem, fx.clientA.keyPem));
    const res = await scrapeViaProxy(proxy.proxyAddress, rogue.authority);
    expect(res.status).toBe(502);
    expect(res.body).toContain(`upstream TLS verification failed for ${rogue.authority}`);
    expect(res.body).toContain('--upstream-ca-file');
    expect(rogue.requests).toHaveLength(0);
    expect(await metricsText(proxy)).toMatch(/^certscrape_scraper_proxy_upstream_requests_total\{code="502",outcome="tls_verify"\} 1$/m);
  });

  it('reloads --upstream-ca-file: a target becomes trusted once its CA is mounted, with no restart', async () => {
    const caVolume = await SecretVolume.create(join(root, `serving-ca-${++volumes}`), { 'ca.crt': fx.rogueCa.certPem });
    const { proxy } = await startProxy(await mountPair(fx.clientA.certPem, fx.clientA.keyPem), [], caVolume.path('ca.crt'));
    expect((await scrapeViaProxy(proxy.proxyAddress, target.authority)).status).toBe(502);
    await caVolume.update({ 'ca.crt': `${fx.rogueCa.certPem}${fx.servingCa.certPem}` });
    const status = await waitFor(
      async () => {
        const res = await scrapeViaProxy(proxy.proxyAddress, target.authority);
        return res.status === 200 ? res.status : undefined;
      },
      { what: 'the new CA bundle to be used', timeoutMs: 5_000, intervalMs: 25 },
    );
    expect(status).toBe(200);
  });

  it('answers 502 when the target refuses the handshake without a client certificate', async () => {
    const targetsFile = join(root, `targets-${++volumes}.yaml`);
    await writeFile(targetsFile, `targets:\n  "${target.authority}":\n    clientCertificate: false\n`);
    const { proxy } = await startProxy(await mountPair(fx.clientA.certPem, fx.clientA.keyPem), ['--targets-config', targetsFile]);
    const before = target.requests.length;
    const res = await scrapeViaProxy(proxy.proxyAddress, target.authority);
    expect(res.status).toBe(502);
    expect(res.body).toContain(`upstream ${target.authority} closed the connection before answering`);
    expect(target.requests.length).toBe(before);
  });

  it("answers 504 when the target does not answer within the scraper's timeout", async () => {
    const slow = await startMtlsTarget({ cert: fx.server.certPem, key: fx.server.keyPem, clientCa: fx.clientCa.certPem, responseDelayMs: 10_000 });
    cleanups.push(() => slow.close());
    const { proxy } = await startProxy(await mountPair(fx.clientA.certPem, fx.clientA.keyPem));
    const started = Date.now();
    const res = await scrapeViaProxy(proxy.proxyAddress, slow.authority, { headers: { 'x-prometheus-scrape-timeout-seconds': '0.3' } });
    expect(res.status).toBe(504);
    expect(res.body).toContain(`upstream ${slow.authority} timed out`);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await metricsText(proxy)).toMatch(/^certscrape_scraper_proxy_upstream_requests_total\{code="504",outcome="timeout"\} 1$/m);
  });

  it('applies --targets-config: a configured server name, and a target that is not shown the certificate', async () => {
    const named = await startMtlsTarget({ cert: fx.namedServer.certPem, key: fx.namedServer.keyPem, clientCa: fx.clientCa.certPem });
    const optedOut = await startMtlsTarget({ cert: fx.server.certPem, key: fx.server.keyPem, clientCa: fx.clientCa.certPem, requireClientCert: false });
    cleanups.push(() => named.close(), () => optedOut.close());
    const volume = await mountPair(fx.clientA.certPem, fx.clientA.keyPem);

    // Without a configured server name the certificate for target.internal does not match 127.0.0.1.
    const plain = await startProxy(volume);
    const mismatch = await scrapeViaProxy(plain.proxy.proxyAddress, named.authority);
    expect(mismatch.status).toBe(502);
    expect(mismatch.body).toContain('ERR_TLS_CERT_ALTNAME_INVALID');

    const targetsFile = join(root, `targets-${++volumes}.yaml`);
    await writeFile(targetsFile, `targets:\n  "${named.authority}":\n    serverName: target.internal\n  "${optedOut.authority}":\n    clientCertificate: false\n`);
    const { proxy } = await startProxy(volume, ['--targets-config', targetsFile]);
    expect((await scrapeViaProxy(proxy.proxyAddress, named.authority)).status).toBe(200);
    expect(named.requests.at(-1)?.clientFingerprint).toBe(fingerprintOf(fx.clientA));
    expect((await scrapeViaProxy(proxy.proxyAddress, optedOut.authority)).status).toBe(200);
    expect(optedOut.requests.at(-1)?.clientFingerprint).toBeUndefined();
  });

  it('serves /healthz and the certificate not-after metric', async () => {
    const { proxy } = await startProxy(await mountPair(fx.clientA.certPem, fx.clientA.keyPem));
    const health = await fetch(`http://127.0.0.1:${proxy.metricsAddress.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', certificate: { fingerprint: fingerprintOf(fx.clientA) } });
    const onProxyPort = await fetch(`http://127.0.0.1:${proxy.proxyAddress.port}/healthz`);
    expect(onProxyPort.status).toBe(200);
    const notAfter = fx.clientA.certificate.notAfter.getTime() / 1000;
    expect(await metricsText(proxy)).toContain(`certscrape_scraper_proxy_client_certificate_not_after_timestamp_seconds ${notAfter}`);
  });

  it('fails fast at start when the mounted pair does not match', async () => {
    const volume = await mountPair(fx.clientA.certPem, fx.clientB.keyPem);
    let error: unknown;
    try {
      await startProxy(volume);
    } catch (e) {
      error = e;
    }
    expect(isProxyError(error, 'PROXY_ERR_PAIR_MISMATCH')).toBe(true);
  });
});
