import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScraperProxy } from './app.js';
import type { ScraperProxy } from './app.js';
import { parseArgs } from './config.js';
import { createMetrics } from './metrics.js';
import { createProxyFixtures, fingerprintOf } from './testing/fixtures.js';
import type { ProxyFixtures } from './testing/fixtures.js';
import { startMtlsTarget } from './testing/mtls-target.js';
import type { MtlsTarget } from './testing/mtls-target.js';
import { freePort, SecretVolume, waitFor } from '@certscrape/local-cluster/testing';

const PROMETHEUS = '/usr/bin/prometheus';

let fx: ProxyFixtures;
let root: string;
let target: MtlsTarget;
let proxy: ScraperProxy;
let prometheus: ChildProcess | undefined;

beforeAll(async () => {
  if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} is missing: apt-get install -y prometheus`);
  fx = await createProxyFixtures();
  root = await mkdtemp(join(tmpdir(), 'scraper-proxy-prom-'));
  target = await startMtlsTarget({ cert: fx.server.certPem, key: fx.server.keyPem, clientCa: fx.clientCa.certPem });
  const volume = await SecretVolume.create(join(root, 'metrics-client-certs'), { 'tls.crt': fx.clientA.certPem, 'tls.key': fx.clientA.keyPem });
  const caFile = join(root, 'ca.crt');
  await writeFile(caFile, fx.servingCa.certPem);
  const parsed = parseArgs(['--listen-address', '127.0.0.1:0', '--metrics-bind-address', '127.0.0.1:0', '--cert-file', volume.path('tls.crt'), '--key-file', volume.path('tls.key'), '--upstream-ca-file', caFile]);
  if (parsed.kind !== 'run') throw new Error('bad test args');
  proxy = await startScraperProxy(parsed.config, { logger: pino({ level: 'warn' }), metrics: createMetrics({ defaultMetrics: false }) });
});

afterAll(async () => {
  if (prometheus !== undefined && prometheus.exitCode === null) {
    prometheus.kill('SIGTERM');
    await Promise.race([once(prometheus, 'exit'), new Promise((r) => setTimeout(r, 5_000))]);
    if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
  }
  await proxy?.close();
  await target?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('a real Prometheus scraping through the proxy', () => {
  it('reaches up == 1 for an mTLS target via proxy_url, presenting the mounted certificate', async () => {
    const webPort = await freePort();
    const storage = join(root, 'tsdb');
    await mkdir(storage);
    const configFile = join(root, 'prometheus.yml');
    await writeFile(
      configFile,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: via-scraper-proxy',
        '    scheme: http',
        `    proxy_url: http://127.0.0.1:${proxy.proxyAddress.port}`,
        '    static_configs:',
        `      - targets: ['${target.authority}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(PROMETHEUS, [`--config.file=${configFile}`, `--storage.tsdb.path=${storage}`, `--web.listen-address=127.0.0.1:${webPort}`, '--log.level=warn'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    prometheus.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));

    const query = encodeURIComponent('up{job="via-scraper-proxy"}');
    const up = await waitFor(
      async () => {
        if (prometheus?.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
        const res = await fetch(`http://127.0.0.1:${webPort}/api/v1/query?query=${query}`);
        if (res.status !== 200) return undefined;
        const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
        return body.data.result[0]?.value[1] === '1' ? body.data.result[0] : undefined;
      },
      { what: 'Prometheus to report up == 1', timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(up.value[1]).toBe('1');
    const scrapes = target.requests.filter((r) => r.path === '/metrics');
    expect(scrapes.length).toBeGreaterThan(0);
    expect(scrapes.every((r) => r.clientFingerprint === fingerprintOf(fx.clientA))).toBe(true);
    expect(scrapes.every((r) => r.authorization === undefined)).toBe(true);
  });
});
