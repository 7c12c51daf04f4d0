// The sidecar's kube-rbac-proxy drop-in behaviour, in-process, with real servers, real TLS and
// real files: h2 + HTTP/1.1 on one port, --ignore-paths, identity header fields, https and h2c
// upstreams (client pair reloaded), own endpoints, --tls-min-version and --tls-cipher-suites.
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createH2cServer, type Http2Server } from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EKU } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf, type TestCa, type TestLeaf } from '@certscrape/pkcs/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSidecarFlags } from '../config.js';
import { SCRAPER } from '../test-support/fixtures.js';
import { h2Request, h2Session } from '../test-support/h2-client.js';
import { httpsRequest } from '../test-support/https-client.js';
import { KubeVolume } from '../test-support/kube-volume.js';
import { startSidecar, type RunningSidecar } from './sidecar.js';

const CONFIG = `authorization:\n  static:\n    - user:\n        name: ${SCRAPER}\n      verb: get\n      path: /metrics\n      resourceRequest: no\n`;

interface Seen {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly peerCn?: string;
}

function listen(server: Server | HttpsServer | Http2Server): Promise<number> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
}

describe('sidecar as a kube-rbac-proxy drop-in', () => {
  let clientCa: TestCa;
  let servingCa: TestCa;
  let upstreamCa: TestCa;
  let scraper: TestLeaf;
  let intruder: TestLeaf;
  let dir: string;
  let serving: TestLeaf;
  let plain: Server;
  let plainPort: number;
  const seen: Seen[] = [];
  // What the upstream's parser refused: a request body forwarded short of its Content-Length shows here.
  const upstreamParseErrors: string[] = [];
  const running: RunningSidecar[] = [];

  beforeAll(async () => {
    [clientCa, servingCa, upstreamCa] = await Promise.all([createTestCa({ commonName: 'metrics client CA' }), createTestCa({ commonName: 'serving CA' }), createTestCa({ commonName: 'kcm serving CA' })]);
    [scraper, intruder, serving] = await Promise.all([
      issueTestLeaf(clientCa, { commonName: SCRAPER, organizations: ['system:monitoring', 'scrapers'] }),
      issueTestLeaf(clientCa, { commonName: 'intruder' }),
      issueTestLeaf(servingCa, { commonName: 'target', extendedKeyUsages: [EKU.serverAuth], subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }] }),
    ]);
    dir = await mkdtemp(join(tmpdir(), 'target-auth-drop-in-'));
    await writeFile(join(dir, 'config.yaml'), CONFIG);
    await writeFile(join(dir, 'client-ca.crt'), clientCa.certPem);
    await writeFile(join(dir, 'tls.crt'), serving.chainPem);
    await writeFile(join(dir, 'tls.key'), serving.keyPem);
    plain = createHttpServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`upstream saw ${req.url}\n`);
    });
    plain.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      upstreamParseErrors.push(err.code ?? err.message);
      socket.destroy();
    });
    plainPort = await listen(plain);
  });
  afterEach(async () => {
    for (const s of running.splice(0)) await s.close();
  });
  afterAll(async () => {
    plain?.closeAllConnections();
    await new Promise((r) => plain?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (extra: string[], upstream = `http://127.0.0.1:${plainPort}/`) => {
    const parsed = parseSidecarFlags(
      ['--secure-listen-address=127.0.0.1:0', `--upstream=${upstream}`, `--client-ca-file=${join(dir, 'client-ca.crt')}`, `--config-file=${join(dir, 'config.yaml')}`, `--tls-cert-file=${join(dir, 'tls.crt')}`, `--tls-private-key-file=${join(dir, 'tls.key')}`, ...extra],
      {},
    );
    if (parsed.kind !== 'run') throw new Error('expected a run config');
    const s = await startSidecar(parsed.config);
    running.push(s);
    return s;
  };
  const id = (leaf: TestLeaf) => ({ cert: leaf.chainPem, key: leaf.keyPem });

  it('answers h2 and HTTP/1.1 clients on one port with the same decisions', async () => {
    const s = await start([]);
    const port = s.address.port;
    const ca = servingCa.certPem;
    const h2 = await h2Session({ port, ca, identity: id(scraper) });
    expect(h2.alpnProtocol).toBe('h2');
    // Several streams on one connection: each one is authorized on its own.
    const [ok, denied, again] = await Promise.all([h2Request({ port, ca, session: h2 }), h2Request({ port, ca, session: h2, path: '/admin' }), h2Request({ port, ca, session: h2, path: '/metrics?x=1' })]);
    h2.close();
    expect([ok.status, denied.status, again.status]).toEqual([200, 403, 200]);
    expect(ok.body).toBe('upstream saw /metrics\n');
    expect(denied.body).toContain(`Forbidden (user=${SCRAPER}, verb=get, path=/admin)`);
    for (const [leaf, want] of [
      [undefined, 401],
      [intruder, 403],
      [scraper, 200],
    ] as const) {
      const h1 = await httpsRequest({ port, ca, ...(leaf ? { identity: id(leaf) } : {}) });
      const h2r = await h2Request({ port, ca, ...(leaf ? { identity: id(leaf) } : {}) });
      expect([h1.status, h2r.status]).toEqual([want, want]);
    }
  });

  it('strips identity headers and never forwards pseudo-headers over h2', async () => {
    const s = await start([]);
    const before = seen.length;
    const r = await h2Request({ port: s.address.port, ca: servingCa.certPem, identity: id(scraper), headers: { 'x-remote-user': 'admin', authorization: 'Bearer leaked', 'impersonate-user': 'admin' } });
    expect(r.status).toBe(200);
    const h = seen[before]?.headers ?? {};
    expect(Object.keys(h).filter((k) => k.startsWith(':') || k === 'x-remote-user' || k === 'authorization' || k.startsWith('impersonate-'))).toEqual([]);
    expect(h['x-forwarded-host']).toBe(`127.0.0.1:${s.address.port}`);
  });

  it('--http2-disable: ALPN offers only HTTP/1.1', async () => {
    const s = await start(['--http2-disable']);
    await expect(h2Session({ port: s.address.port, ca: servingCa.certPem, identity: id(scraper) }).then((x) => x.close())).rejects.toThrow();
    expect((await httpsRequest({ port: s.address.port, ca: servingCa.certPem, identity: id(scraper) })).status).toBe(200);
  });

  it('--ignore-paths: proxied without authentication, identity stripped; other paths still authorized', async () => {
    const s = await start(['--ignore-paths=/healthz,/debug/*']);
    const before = seen.length;
    const open = await httpsRequest({ port: s.address.port, ca: servingCa.certPem, path: '/healthz', headers: { 'X-Remote-User': 'admin', Authorization: 'Bearer x' } });
    expect([open.status, open.body]).toEqual([200, 'upstream saw /healthz\n']);
    expect(seen[before]?.headers['x-remote-user']).toBeUndefined();
    expect(seen[before]?.headers.authorization).toBeUndefined();
    expect((await h2Request({ port: s.address.port, ca: servingCa.certPem, path: '/debug/pprof' })).status).toBe(200);
    expect((await httpsRequest({ port: s.address.port, ca: servingCa.certPem, path: '/debug/a/b' })).status).toBe(401);
    expect((await httpsRequest({ port: s.address.port, ca: servingCa.certPem })).status).toBe(401);
  });

  it('--auth-header-fields-enabled: the upstream learns the user only under the configured names; client copies are removed', async () => {
    const s = await start(['--auth-header-fields-enabled', '--auth-header-user-field-name=X-User', '--auth-header-groups-field-name=X-Groups', '--auth-header-groups-field-separator=;', '--ignore-paths=/open']);
    const before = seen.length;
    await httpsRequest({ port: s.address.port, ca: servingCa.certPem, identity: id(scraper), headers: { 'X-User': 'admin', 'X-Groups': 'system:masters' } });
    await h2Request({ port: s.address.port, ca: servingCa.certPem, identity: id(scraper), headers: { 'x-user': 'admin' } });
    await httpsRequest({ port: s.address.port, ca: servingCa.certPem, path: '/open', headers: { 'X-User': 'admin', 'X-Groups': 'system:masters' } });
    const [h1, h2, open] = seen.slice(before).map((x) => x.headers);
    expect([h1?.['x-user'], h1?.['x-groups']]).toEqual([SCRAPER, 'system:monitoring;scrapers']);
    expect([h2?.['x-user'], h2?.['x-groups']]).toEqual([SCRAPER, 'system:monitoring;scrapers']);
    expect([open?.['x-user'], open?.['x-groups']]).toEqual([undefined, undefined]);
  });

  it('https upstream: verified against --upstream-ca-file, presents the client pair, and follows its rotation', async () => {
    const upstreamLeaf = await issueTestLeaf(upstreamCa, { commonName: 'kube-controller-manager', extendedKeyUsages: [EKU.serverAuth], subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }] });
    const proxyClient1 = await issueTestLeaf(upstreamCa, { commonName: 'sidecar-1' });
    const proxyClient2 = await issueTestLeaf(upstreamCa, { commonName: 'sidecar-2' });
    const tlsUpstream = createHttpsServer({ cert: upstreamLeaf.chainPem, key: upstreamLeaf.keyPem, ca: upstreamCa.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers, peerCn: String((req.socket as TLSSocket).getPeerCertificate().subject?.CN) });
      res.end('kcm metrics\n');
    });
    const port = await listen(tlsUpstream);
    const vol = await KubeVolume.create({ 'ca.crt': upstreamCa.certPem, 'tls.crt': proxyClient1.chainPem, 'tls.key': proxyClient1.keyPem });
    try {
      const s = await start([`--upstream-ca-file=${vol.path('ca.crt')}`, `--upstream-client-cert-file=${vol.path('tls.crt')}`, `--upstream-client-key-file=${vol.path('tls.key')}`, '--file-poll-interval=100'], `https://127.0.0.1:${port}/`);
      const r = await h2Request({ port: s.address.port, ca: servingCa.certPem, identity: id(scraper) });
      expect([r.status, r.body, seen.at(-1)?.peerCn]).toEqual([200, 'kcm metrics\n', 'sidecar-1']);
      await vol.swap({ 'ca.crt': upstreamCa.certPem, 'tls.crt': proxyClient2.chainPem, 'tls.key': proxyClient2.keyPem });
      let cn: string | undefined;
      for (let i = 0; i < 100 && cn !== 'sidecar-2'; i++) {
        await new Promise((res) => setTimeout(res, 100));
        await httpsRequest({ port: s.address.port, ca: servingCa.certPem, identity: id(scraper) });
        cn = seen.at(-1)?.peerCn;
      }
      expect(cn).toBe('sidecar-2');
    } finally {
      tlsUpstream.closeAllConnections();
      await new Promise((r) => tlsUpstream.close(r));
      await vol.remove();
    }
  });

  it('https upstream whose certificate is not from --upstream-ca-file: 502, nothing trusted', async () => {
    const other = await createTestCa({ commonName: 'other CA' });
    const leaf = await issueTestLeaf(other, { commonName: 'x', extendedKeyUsages: [EKU.serverAuth], subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }] });
    const tlsUpstream = createHttpsServer({ cert: leaf.chainPem, key: leaf.keyPem }, (_req, res) => res.end('should not be reached\n'));
    const port = await listen(tlsUpstream);
    await writeFile(join(dir, 'upstream-ca.crt'), upstreamCa.certPem);
    try {
      const s = await start([`--upstream-ca-file=${join(dir, 'upstream-ca.crt')}`], `https://127.0.0.1:${port}/`);
      expect((await httpsRequest({ port: s.address.port, ca: servingCa.certPem, identity: id(scraper) })).status).toBe(502);
    } finally {
      await new Promise((r) => tlsUpstream.close(r));
    }
  });

  it('--upstream-force-h2c: forwards over HTTP/2 cleartext to a loopback upstream', async () => {
    const h2c = createH2cServer((req, res) => {
      seen.push({ url: req.url, headers: req.headers });
      res.end(`h2c saw ${req.url} over ${req.httpVersion}\n`);
    });
    const port = await listen(h2c);
    try {
      const s = await start(['--upstream-force-h2c'], `http://127.0.0.1:${port}/`);
      const r = await httpsRequest({ port: s.address.port, ca: servingCa.certPem, identity: id(scraper), headers: { 'X-Remote-User': 'admin' } });
      expect([r.status, r.body]).toEqual([200, 'h2c saw /metrics over 2.0\n']);
      expect(seen.at(-1)?.headers['x-remote-user']).toBeUndefined();
      expect((await h2Request({ port: s.address.port, ca: servingCa.certPem, identity: id(intruder) })).status).toBe(403);
    } finally {
      // The sidecar's h2c session keeps the upstream server open: close the sidecar first.
      for (const x of running.splice(0)) await x.close();
      await new Promise((r) => h2c.close(r));
    }
  });

  it('--proxy-endpoints-port serves /healthz and /readyz openly and /metrics only to an authorized scraper', async () => {
    const probe = await start(['--metrics-bind-address=127.0.0.1:0']);
    // Find a free port for the endpoints listener by borrowing one from the plain metrics server.
    const freePort = probe.metricsAddress?.port as number;
    await probe.close();
    running.length = 0;
    const s = await start([`--proxy-endpoints-port=${freePort}`]);
    expect(s.endpointsAddress?.port).toBe(freePort);
    const ca = servingCa.certPem;
    await httpsRequest({ port: s.address.port, ca, identity: id(scraper) });
    expect(await httpsRequest({ port: freePort, ca, path: '/healthz' })).toMatchObject({ status: 200, body: 'ok' });
    expect(await h2Request({ port: freePort, ca, path: '/readyz' })).toMatchObject({ status: 200, body: 'ok' });
    expect((await httpsRequest({ port: freePort, ca, path: '/metrics' })).status).toBe(401);
    const m = await httpsRequest({ port: freePort, ca, path: '/metrics', identity: id(scraper) });
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/certscrape_target_auth_decisions_total\{method="client-certificate",result="allowed"\} [1-9]/);
  });

  it('--metrics-bind-address serves the certscrape_target_auth_* series, /healthz and /readyz over plain HTTP', async () => {
    const s = await start(['--metrics-bind-address=127.0.0.1:0']);
    await httpsRequest({ port: s.address.port, ca: servingCa.certPem });
    const get = (path: string) => fetch(`http://127.0.0.1:${s.metricsAddress?.port}${path}`).then(async (r) => ({ status: r.status, body: await r.text() }));
    const m = await get('/metrics');
    expect(m.status).toBe(200);
    for (const series of ['certscrape_target_auth_decisions_total', 'certscrape_target_auth_ca_bundle_reloads_total', 'certscrape_target_auth_ca_bundle_certificates', 'certscrape_target_auth_ca_bundle_last_success_timestamp_seconds', 'certscrape_target_auth_serving_cert_reloads_total']) {
      expect(m.body).toContain(`# TYPE ${series} `);
    }
    expect(m.body).toMatch(/certscrape_target_auth_decisions_total\{method="none",result="unauthenticated"\} [1-9]/);
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
    expect(await get('/readyz')).toEqual({ status: 200, body: 'ok' });
    expect((await get('/other')).status).toBe(404);
  });

  it('framing over h2: a body on GET is refused, a body that disagrees with Content-Length fails, nothing is smuggled, a POST body is forwarded', async () => {
    // Allow POST too, so that a body is legitimate somewhere.
    await writeFile(join(dir, 'post.yaml'), `${CONFIG}    - user:\n        name: ${SCRAPER}\n      verb: create\n      path: /ingest\n`);
    const s = await start([`--config-file=${join(dir, 'post.yaml')}`]);
    const port = s.address.port;
    const ca = servingCa.certPem;
    const before = seen.length;
    const parseErrorsBefore = upstreamParseErrors.length;
    const bodyOnGet = await h2Request({ port, ca, identity: id(scraper), body: 'GET /admin HTTP/1.1\r\nHost: x\r\n\r\n' });
    expect(bodyOnGet.status).toBe(400);
    const lie = (declared: number, sent: string) =>
      h2Request({ port, ca, identity: id(scraper), method: 'POST', path: '/ingest', headers: { 'content-length': String(declared) }, body: sent }).then(
        (r) => r.status,
        () => 'reset',
      );
    // nghttp2 treats a DATA length that disagrees with content-length as a malformed stream.
    expect(await lie(5, 'GET /admin HTTP/1.1\r\n\r\n')).not.toBe(200);
    expect(await lie(100, 'short')).not.toBe(200);
    const post = await h2Request({ port, ca, identity: id(scraper), method: 'POST', path: '/ingest', body: 'a=1' });
    expect(post.status).toBe(200);
    // Nothing smuggled: only /ingest ever reached the upstream (a lying stream may have started an
    // /ingest request that was then cut off, never completed or followed by another request).
    const urls = seen.slice(before).map((x) => x.url);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.every((u) => u === '/ingest')).toBe(true);
    // A lying stream's upstream request was cut off with its connection, never ended short and
    // pooled: the upstream never read the next request's bytes as the rest of a body.
    expect(upstreamParseErrors.slice(parseErrorsBefore)).toEqual([]);
  });

  it.each([
    '/metrics/../admin',
    '/metrics/%2e%2e/admin',
    '/metrics%2F..%2Fadmin',
    '/metrics/..;/admin',
    '/./metrics/../admin',
    '//admin',
    '/metrics\\..\\admin',
    '/admin?/metrics',
    '/METRICS',
    'http://127.0.0.1/admin',
    '*',
  ])('over h2, the :path %j never reaches the upstream as anything but an authorized /metrics', async (path) => {
    const s = await start([]);
    const before = seen.length;
    const r = await h2Request({ port: s.address.port, ca: servingCa.certPem, identity: id(scraper), path }).catch(() => ({ status: 0, body: '' }));
    const reached = seen.slice(before).map((x) => x.url);
    if (r.status === 200) expect(reached).toEqual(['/metrics']);
    else expect(reached).toEqual([]);
  });

  const handshake = (port: number, options: { maxVersion?: 'TLSv1.2' | 'TLSv1.3'; ciphers?: string }) =>
    new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, ca: servingCa.certPem, ...options, ...id(scraper) }, () => {
        const c = socket.getCipher().name;
        socket.end();
        resolve(c);
      });
      socket.on('error', () => resolve('refused'));
    });

  it('--tls-min-version=VersionTLS13 refuses TLS 1.2 clients', async () => {
    const s = await start(['--tls-min-version=VersionTLS13']);
    expect(await handshake(s.address.port, { maxVersion: 'TLSv1.2' })).toBe('refused');
    expect(await handshake(s.address.port, { maxVersion: 'TLSv1.3' })).toBe('TLS_AES_256_GCM_SHA384');
  });

  it('--tls-cipher-suites restricts TLS 1.2 suites (Go names) and keeps TLS 1.3', async () => {
    const s = await start(['--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256']);
    expect(await handshake(s.address.port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' })).toBe('refused');
    expect(await handshake(s.address.port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384' })).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
    expect(await handshake(s.address.port, {})).toMatch(/^TLS_/);
  });
});
