import { Registry, Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBindAddress, startHealthServer } from './health-server.js';
import type { HealthServer } from './health-server.js';

describe('parseBindAddress', () => {
  it.each([
    [':8080', { host: '0.0.0.0', port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9', { host: '::1', port: 9 }],
    ['0', undefined],
  ])('parses %s', (text, expected) => expect(parseBindAddress(text)).toEqual(expected));
  it.each(['8080', 'host', ':99999', 'a:b'])('rejects %s with a coded error', (text) => {
    expect(() => parseBindAddress(text)).toThrow(expect.objectContaining({ code: 'KUBE_RUNTIME_ERR_BIND_ADDRESS' }));
  });
});

describe('startHealthServer', () => {
  let server: HealthServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves probes and metrics on separate addresses, with named checks', async () => {
    const registry = new Registry();
    new Counter({ name: 'test_total', help: 'x', registers: [registry] }).inc(3);
    let ready = false;
    server = await startHealthServer({ healthBindAddress: '127.0.0.1:0', metricsBindAddress: '127.0.0.1:0', registry, readyChecks: { informer: () => ready, leader: () => true } });
    expect(server.healthUrl).not.toBe(server.metricsUrl);
    expect((await fetch(`${server.healthUrl}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${server.healthUrl}/readyz`);
    expect(notReady.status).toBe(500);
    expect(await notReady.text()).toContain('[-]informer failed');
    expect((await fetch(`${server.healthUrl}/readyz/leader`)).status).toBe(200);
    expect((await fetch(`${server.healthUrl}/readyz/nope`)).status).toBe(404);
    ready = true;
    const ok = await fetch(`${server.healthUrl}/readyz?verbose`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('[+]informer ok');
    expect((await fetch(`${server.healthUrl}/metrics`)).status).toBe(404);
    expect(await (await fetch(`${server.metricsUrl}/metrics`)).text()).toContain('test_total 3');
  });

  it('treats a throwing check as failed', async () => {
    server = await startHealthServer({ metricsBindAddress: '0', healthChecks: { bad: () => { throw new Error('x'); } } });
    expect(server.metricsUrl).toBeUndefined();
    expect((await fetch(`${server.healthUrl}/healthz`)).status).toBe(500);
  });

  it('fails with a coded error when the port is taken', async () => {
    server = await startHealthServer({ metricsBindAddress: '0' });
    const port = new URL(server.healthUrl!).port;
    await expect(startHealthServer({ healthBindAddress: `127.0.0.1:${port}`, metricsBindAddress: '0' })).rejects.toMatchObject({ code: 'KUBE_RUNTIME_ERR_BIND_ADDRESS' });
  });
});
