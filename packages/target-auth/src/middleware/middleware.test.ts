// The node:http(s) middleware over real TLS: path tricks, verb mapping, smuggled identity
// headers, error handling. Each case is one a naive implementation gets wrong.
import { createTestCa, issueTestLeaf, type TestLeaf } from '@certscrape/pkcs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authorizer } from '../authz/authorizer.js';
import { StaticAuthorizer } from '../authz/static-authorizer.js';
import { staticCaBundle, type CaBundleSource } from '../ca-bundle.js';
import { staticServingPair, type ServingPairSource } from '../serving-cert.js';
import { SCRAPER, servingFixture, type ServingFixture } from '../test-support/fixtures.js';
import { httpsRequest } from '../test-support/https-client.js';
import { startTargetServer, type Echo, type TargetServer } from '../test-support/target-server.js';

const RULES = new StaticAuthorizer([
  { user: { name: SCRAPER }, verb: 'get', path: '/metrics' },
  { user: { name: SCRAPER }, verb: 'get', path: '/metrics/*' },
  { user: { name: 'writer' }, verb: 'create', path: '/push' },
  { user: { groups: ['system:monitoring'] }, verb: 'get', path: '/federate' },
]);

describe('middleware over real TLS', () => {
  let serving: ServingFixture;
  let caBundle: CaBundleSource;
  let servingPair: ServingPairSource;
  let scraper: TestLeaf;
  let writer: TestLeaf;
  let intruder: TestLeaf;
  let monitoringMember: TestLeaf;
  let target: TargetServer;
  const logLines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  const logger = {
    info: (obj: object, msg: string) => void logLines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    warn: (obj: object, msg: string) => void logLines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    error: (obj: object, msg: string) => void logLines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
  };

  beforeAll(async () => {
    const ca = await createTestCa({ commonName: 'metrics client CA' });
    serving = await servingFixture();
    [scraper, writer, intruder, monitoringMember] = await Promise.all([
      issueTestLeaf(ca, { commonName: SCRAPER }),
      issueTestLeaf(ca, { commonName: 'writer' }),
      issueTestLeaf(ca, { commonName: 'intruder' }),
      issueTestLeaf(ca, { commonName: 'some-scraper', organizations: ['system:monitoring'] }),
    ]);
    caBundle = staticCaBundle(ca.certPem);
    servingPair = staticServingPair({ cert: Buffer.from(serving.leaf.certPem), key: Buffer.from(serving.leaf.keyPem) });
    target = await startTargetServer({ caBundle, serving: servingPair, authorizer: RULES, middleware: { logger, decisionLog: logger } });
  });
  afterAll(async () => {
    await target?.close();
  });

  async function send(leaf: TestLeaf | undefined, path: string, o: { method?: string; headers?: Record<string, string> } = {}) {
    const before = target.seen.length;
    const r = await httpsRequest({ port: target.port, ca: serving.ca.certPem, path, ...o, ...(leaf ? { identity: { cert: leaf.chainPem, key: leaf.keyPem } } : {}) });
    const handled: Echo | undefined = target.seen.length > before ? target.seen[target.seen.length - 1] : undefined;
    return { ...r, handled };
  }

  describe('path tricks never reach an unlisted path', () => {
    it.each([
      ['dot-dot out of an allowed prefix', '/metrics/../admin', '/admin'],
      ['dot-dot after a dot', '/metrics/./../admin', '/admin'],
      ['encoded dot-dot', '/metrics/%2e%2e/admin', '/admin'],
      ['upper-case encoded dot-dot with an encoded slash', '/metrics/%2E%2E%2Fadmin', '/admin'],
      ['encoded slashes around dot-dot', '/metrics%2F..%2Fadmin', '/admin'],
      ['double dot-dot with encoded slashes', '/metrics/x/..%2f..%2fadmin', '/admin'],
      ['a duplicate leading slash', '//admin', '/admin'],
      ['upper case (paths are case-sensitive)', '/METRICS', '/METRICS'],
      ['absolute-form request target', 'http://example.com/metrics/../admin', '/admin'],
    ])('%s: %s -> 403 for the normalised path, handler not called', async (_n, raw, normalised) => {
      const r = await send(scraper, raw);
      expect(r.status).toBe(403);
      expect(r.body).toBe(`Forbidden (user=${SCRAPER}, verb=get, path=${normalised})\n`);
      expect(r.handled).toBeUndefined();
    });

    it.each([
      ['an encoded NUL', '/metrics%00'],
      ['malformed percent-encoding', '/metrics%zz'],
      ['an encoded backslash traversal', '/metrics/..%5Cadmin'],
    ])('%s -> 403, handler not called', async (_n, raw) => {
      const r = await send(scraper, raw);
      expect(r.status).toBe(403);
      expect(r.handled).toBeUndefined();
    });

    it.each([
      ['a duplicate slash', '//metrics', '/metrics'],
      ['an encoded letter', '/%6Detrics', '/metrics'],
      ['a harmless dot-dot inside the prefix', '/metrics/a/../b', '/metrics/b'],
    ])('%s is allowed and the handler sees exactly the authorized path', async (_n, raw, normalised) => {
      const r = await send(scraper, raw);
      expect(r.status).toBe(200);
      expect(r.handled?.url).toBe(normalised);
    });

    it('keeps the query string as sent (it is not part of the authorized path)', async () => {
      const r = await send(scraper, '/metrics?name[]=x&p=/../admin');
      expect(r.status).toBe(200);
      expect(r.handled?.url).toBe('/metrics?name[]=x&p=/../admin');
    });
  });

  describe('HTTP method -> Kubernetes verb', () => {
    it.each([
      ['GET', SCRAPER, '/metrics', 200, 'get'],
      ['HEAD', SCRAPER, '/metrics', 200, 'get'],
      ['POST', SCRAPER, '/metrics', 403, 'create'],
      ['PUT', SCRAPER, '/metrics', 403, 'update'],
      ['PATCH', SCRAPER, '/metrics', 403, 'patch'],
      ['DELETE', SCRAPER, '/metrics', 403, 'delete'],
      ['OPTIONS', SCRAPER, '/metrics', 403, 'options'],
      ['POST', 'writer', '/push', 200, 'create'],
      ['GET', 'writer', '/push', 403, 'get'],
    ])('%s by %s on %s -> %i (verb %s)', async (method, who, path, status, verb) => {
      const r = await send(who === 'writer' ? writer : scraper, path, { method });
      expect(r.status).toBe(status);
      if (status === 403) expect(r.body).toContain(`verb=${verb},`);
    });
  });

  describe('identity headers', () => {
    const smuggled = {
      'X-Remote-User': 'admin',
      'X-Remote-Group': 'system:masters',
      'X-Remote-Extra-Scopes': 'all',
      'Impersonate-User': 'admin',
      'Impersonate-Group': 'system:masters',
      Authorization: 'Bearer stolen-token',
      'X-Forwarded-Client-Cert': 'By=spiffe://x;URI=spiffe://admin',
    };

    it('strips smuggled identity headers before the handler; the identity is the certificate', async () => {
      const r = await send(scraper, '/metrics', { headers: { ...smuggled, 'X-Other': 'kept' } });
      expect(r.status).toBe(200);
      expect(r.handled?.user?.name).toBe(SCRAPER);
      const names = Object.keys(r.handled?.headers ?? {});
      expect(names).toContain('x-other');
      for (const h of Object.keys(smuggled)) {
        expect(names).not.toContain(h.toLowerCase());
        expect((r.handled?.rawHeaders ?? []).map((x) => x.toLowerCase())).not.toContain(h.toLowerCase());
      }
    });

    it('does not honour Impersonate-User or X-Remote-User for authorization', async () => {
      const r = await send(intruder, '/metrics', { headers: { 'Impersonate-User': SCRAPER, 'X-Remote-User': SCRAPER, 'X-Remote-Group': 'system:monitoring' } });
      expect(r.status).toBe(403);
      expect(r.body).toContain('user=intruder,');
    });

    it('does not let a header-only identity authenticate', async () => {
      const r = await send(undefined, '/metrics', { headers: { 'X-Remote-User': SCRAPER, 'Impersonate-User': SCRAPER } });
      expect(r.status).toBe(401);
    });

    it('a bearer token is ignored when no token fallback is configured', async () => {
      expect((await send(undefined, '/metrics', { headers: { Authorization: 'Bearer anything' } })).status).toBe(401);
    });
  });

  it('group rules: a certificate with O=system:monitoring may get /federate, others may not', async () => {
    expect((await send(monitoringMember, '/federate')).status).toBe(200);
    expect((await send(scraper, '/federate')).status).toBe(403);
  });

  it('logs one decision line per request when a decision log is configured', async () => {
    logLines.length = 0;
    await send(intruder, '/metrics');
    expect(logLines).toEqual([expect.objectContaining({ level: 'info', msg: 'request denied', obj: expect.objectContaining({ user: 'intruder', verb: 'get', path: '/metrics', result: 'forbidden' }) })]);
  });

  it('an authorizer error is a 500 with a generic body and a logged cause, never an allow', async () => {
    const lines: string[] = [];
    const failing: Authorizer = {
      authorize: () => Promise.reject(new Error('SubjectAccessReview backend exploded: secret-detail')),
    };
    const t = await startTargetServer({ caBundle, serving: servingPair, authorizer: failing, middleware: { logger: { info: () => undefined, warn: () => undefined, error: (o) => void lines.push(JSON.stringify(o)) } } });
    try {
      const r = await httpsRequest({ port: t.port, ca: serving.ca.certPem, identity: { cert: scraper.chainPem, key: scraper.keyPem } });
      expect(r.status).toBe(500);
      expect(r.body).toBe('Internal Server Error\n');
      expect(lines.join('\n')).toContain('secret-detail');
      expect(t.seen).toHaveLength(0);
    } finally {
      await t.close();
    }
  });
});
