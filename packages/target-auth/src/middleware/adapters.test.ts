// The Express and Fastify adapters, each behind a real TLS server from createSecureServer.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:https';
import { createTestCa, issueTestLeaf, type TestLeaf } from '@certscrape/pkcs/testing';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientCertAuthenticator } from '../authn/client-cert-authenticator.js';
import { RequestAuthenticator } from '../authn/request-authenticator.js';
import { StaticAuthorizer } from '../authz/static-authorizer.js';
import { staticCaBundle } from '../ca-bundle.js';
import { createSecureServer } from '../secure-server.js';
import { staticServingPair } from '../serving-cert.js';
import { SCRAPER, servingFixture, type ServingFixture } from '../test-support/fixtures.js';
import { httpsRequest } from '../test-support/https-client.js';
import { expressTargetAuth } from './express.js';
import { fastifyRewriteUrl, fastifyTargetAuth } from './fastify.js';
import { getRequestUser } from './request-state.js';

let serving: ServingFixture;
let scraper: TestLeaf;
let intruder: TestLeaf;
let options: Parameters<typeof expressTargetAuth>[0];
let secure: Parameters<typeof createSecureServer>[0];

beforeAll(async () => {
  const ca = await createTestCa({ commonName: 'metrics client CA' });
  serving = await servingFixture();
  [scraper, intruder] = await Promise.all([issueTestLeaf(ca, { commonName: SCRAPER }), issueTestLeaf(ca, { commonName: 'intruder' })]);
  const caBundle = staticCaBundle(ca.certPem);
  secure = { caBundle, serving: staticServingPair({ cert: Buffer.from(serving.leaf.certPem), key: Buffer.from(serving.leaf.keyPem) }) };
  options = {
    authenticator: new RequestAuthenticator({ clientCert: new ClientCertAuthenticator({ caBundle }) }),
    authorizer: new StaticAuthorizer([{ user: { name: SCRAPER }, verb: 'get', path: '/metrics' }]),
  };
});

const call = (port: number, leaf: TestLeaf | undefined, path = '/metrics', headers?: Record<string, string>) =>
  httpsRequest({ port, path, ca: serving.ca.certPem, ...(headers ? { headers } : {}), ...(leaf ? { identity: { cert: leaf.chainPem, key: leaf.keyPem } } : {}) });

describe('Express adapter', () => {
  let server: Server;
  let port: number;
  const adminHits: string[] = [];

  beforeAll(async () => {
    const app = express();
    app.use(expressTargetAuth(options));
    app.get('/metrics', (req, res) => {
      res.json({ user: getRequestUser(req), url: req.url, impersonate: req.headers['impersonate-user'] ?? null });
    });
    app.get('/admin', (req, res) => {
      adminHits.push(req.url);
      res.send('admin');
    });
    server = createSecureServer(secure, app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('serves the scraper, with its identity on the request', async () => {
    const r = await call(port, scraper);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ user: { name: SCRAPER, groups: [], authenticatedBy: 'client-certificate' }, url: '/metrics', impersonate: null });
  });

  it('401 without a certificate, 403 for another user', async () => {
    expect((await call(port, undefined)).status).toBe(401);
    const r = await call(port, intruder);
    expect(r.status).toBe(403);
    expect(r.body).toBe('Forbidden (user=intruder, verb=get, path=/metrics)\n');
  });

  it('never routes a path trick to /admin', async () => {
    for (const p of ['/metrics/../admin', '/metrics/%2e%2e/admin', '//admin', '/ADMIN']) expect((await call(port, scraper, p)).status).toBe(403);
    expect(adminHits).toEqual([]);
  });

  it('denies /METRICS even though Express routing is case-insensitive', async () => {
    expect((await call(port, scraper, '/METRICS')).status).toBe(403);
  });

  it('routes on the normalised path', async () => {
    const r = await call(port, scraper, '//metrics');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).url).toBe('/metrics');
  });

  it('strips smuggled identity headers', async () => {
    const r = await call(port, scraper, '/metrics', { 'Impersonate-User': 'admin' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).impersonate).toBeNull();
  });
});

describe('Fastify adapter', () => {
  async function build(rewrite: boolean): Promise<{ app: FastifyInstance; port: number; adminHits: string[] }> {
    const adminHits: string[] = [];
    const app = Fastify({
      serverFactory: (handler) => createSecureServer(secure, handler),
      ...(rewrite ? { rewriteUrl: fastifyRewriteUrl } : {}),
    });
    app.addHook('onRequest', fastifyTargetAuth(options));
    app.get('/metrics', async (request) => ({ user: getRequestUser(request.raw), url: request.url, remoteUser: request.headers['x-remote-user'] ?? null }));
    app.get('/admin', async (request) => {
      adminHits.push(request.url);
      return 'admin';
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { app, port: (app.server.address() as AddressInfo).port, adminHits };
  }

  it('serves the scraper; 401 without a certificate; 403 for another user', async () => {
    const { app, port } = await build(false);
    try {
      const ok = await call(port, scraper, '/metrics', { 'X-Remote-User': 'admin' });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toEqual({ user: { name: SCRAPER, groups: [], authenticatedBy: 'client-certificate' }, url: '/metrics', remoteUser: null });
      expect((await call(port, undefined)).status).toBe(401);
      const denied = await call(port, intruder);
      expect(denied.status).toBe(403);
      expect(denied.body).toBe('Forbidden (user=intruder, verb=get, path=/metrics)\n');
    } finally {
      await app.close();
    }
  });

  it('without rewriteUrl, denies non-canonical paths (routing already happened)', async () => {
    const { app, port, adminHits } = await build(false);
    try {
      for (const p of ['/metrics/../admin', '/metrics/%2e%2e/admin', '//admin', '//metrics']) expect((await call(port, scraper, p)).status).toBe(403);
      expect(adminHits).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('with fastifyRewriteUrl, routes and authorizes the same normalised path', async () => {
    const { app, port, adminHits } = await build(true);
    try {
      const r = await call(port, scraper, '//metrics');
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body).url).toBe('/metrics');
      expect((await call(port, scraper, '/metrics/../admin')).status).toBe(403);
      expect(adminHits).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
