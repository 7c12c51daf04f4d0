import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticAuthorizer } from '../authz/static-authorizer.js';
import { staticCaBundle } from '../ca-bundle.js';
import { createTargetAuthMetrics } from '../metrics.js';
import { staticServingPair } from '../serving-cert.js';
import { countingCrypto } from '../test-support/counting-crypto.js';
import { SCRAPER, clientMatrix, servingFixture, type ClientMatrix, type ServingFixture } from '../test-support/fixtures.js';
import { httpsRequest, singleConnectionAgent } from '../test-support/https-client.js';
import { startTargetServer, type TargetServer } from '../test-support/target-server.js';
import { createTestCa, issueTestLeaf, type TestLeaf } from '@certscrape/pkcs/testing';

describe('client-certificate authentication over real TLS (matrix)', () => {
  let m: ClientMatrix;
  let serving: ServingFixture;
  let target: TargetServer;
  const metrics = createTargetAuthMetrics();
  const counting = countingCrypto();

  beforeAll(async () => {
    [m, serving] = await Promise.all([clientMatrix(), servingFixture()]);
    target = await startTargetServer({
      caBundle: staticCaBundle(m.trusted.certPem),
      serving: staticServingPair({ cert: Buffer.from(serving.leaf.certPem), key: Buffer.from(serving.leaf.keyPem) }),
      authorizer: new StaticAuthorizer([
        { user: { name: SCRAPER }, verb: 'get', path: '/metrics' },
        { user: { groups: ['system:monitoring'] }, verb: 'get', path: '/metrics' },
      ]),
      middleware: { metrics },
      crypto: counting.crypto,
    });
  });
  afterAll(async () => {
    await target?.close();
  });

  const get = (leaf: TestLeaf | undefined, path = '/metrics') =>
    httpsRequest({ port: target.port, path, ca: serving.ca.certPem, ...(leaf ? { identity: { cert: leaf.chainPem, key: leaf.keyPem } } : {}) });

  const cases: Array<[string, (m: ClientMatrix) => TestLeaf | undefined, number]> = [
    ['a good scraper certificate -> 200', (x) => x.good, 200],
    ['a good certificate via a peer-presented intermediate -> 200', (x) => x.viaIntermediate, 200],
    ['a certificate without an EKU extension -> 200 (EKU only checked when present)', (x) => x.noEku, 200],
    ['another user -> 403', (x) => x.otherUser, 403],
    ['a leaf from an untrusted CA -> 401', (x) => x.untrustedCa, 401],
    ['a leaf from a fake CA with the trusted CA name -> 401', (x) => x.fakeCaSameName, 401],
    ['a self-signed certificate with the scraper CN -> 401', (x) => x.selfSigned, 401],
    ['an expired certificate -> 401', (x) => x.expired, 401],
    ['a not-yet-valid certificate -> 401', (x) => x.notYetValid, 401],
    ['a server-auth-only EKU -> 401', (x) => x.serverAuthOnly, 401],
    ['a code-signing-only EKU -> 401', (x) => x.codeSigningOnly, 401],
    ['a leaf signed by a (trusted) non-CA leaf -> 401', (x) => x.signedByLeaf, 401],
    ['a rogue intermediate claiming the trusted CA as issuer -> 401', (x) => x.rogueIntermediate, 401],
    ['an empty CN -> 401', (x) => x.emptyCn, 401],
    ['a blank (whitespace) CN -> 401', (x) => x.blankCn, 401],
    ['no CN at all -> 401', (x) => x.noCn, 401],
    ['two CNs (ambiguous) -> 401', (x) => x.twoCns, 401],
    ['no certificate -> 401', () => undefined, 401],
  ];

  it.each(cases)('%s', async (_name, pick, status) => {
    const handled = target.seen.length;
    const r = await get(pick(m));
    expect(r.status).toBe(status);
    if (status === 200) {
      expect(JSON.parse(r.body).user).toEqual({ name: SCRAPER, groups: [], authenticatedBy: 'client-certificate' });
      expect(target.seen.length).toBe(handled + 1);
    } else {
      expect(target.seen.length).toBe(handled); // the handler never ran
    }
  });

  it('O -> groups: a group rule admits a member', async () => {
    const r = await get(m.withGroups);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).user).toEqual({ name: 'group-member', groups: ['system:monitoring', 'team-a'], authenticatedBy: 'client-certificate' });
  });

  it('403 names user, verb and path; 401 says nothing about why', async () => {
    const denied = await get(m.otherUser, '/admin');
    expect(denied.status).toBe(403);
    expect(denied.body).toBe('Forbidden (user=system:serviceaccount:default:intruder, verb=get, path=/admin)\n');
    const unauth = await get(m.expired);
    expect(unauth.body).toBe('Unauthorized\n');
  });

  it('verifies the chain once per connection, not per request (keep-alive)', async () => {
    const agent = singleConnectionAgent({ ca: serving.ca.certPem, identity: { cert: m.withGroups.chainPem, key: m.withGroups.keyPem } });
    try {
      const first = await httpsRequest({ port: target.port, ca: serving.ca.certPem, agent });
      expect(first.status).toBe(200);
      const before = counting.verifications();
      for (let i = 0; i < 20; i++) {
        const r = await httpsRequest({ port: target.port, ca: serving.ca.certPem, agent });
        expect(r.status).toBe(200);
        expect(r.reusedSocket).toBe(true);
      }
      expect(counting.verifications()).toBe(before);
    } finally {
      agent.destroy();
    }
  });

  it('counts decisions in the injected registry', async () => {
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/certscrape_target_auth_decisions_total\{method="client-certificate",result="allowed"\} [1-9]/);
    expect(text).toMatch(/certscrape_target_auth_decisions_total\{method="client-certificate",result="unauthenticated"\} [1-9]/);
    expect(text).toMatch(/certscrape_target_auth_decisions_total\{method="client-certificate",result="forbidden"\} [1-9]/);
    expect(text).toMatch(/certscrape_target_auth_decisions_total\{method="none",result="unauthenticated"\} [1-9]/);
  });
});

describe('validity is re-checked per request on an open connection', () => {
  it('refuses a request once the leaf has expired, without a new handshake (injected clock)', async () => {
    const [m, serving] = await Promise.all([clientMatrix(), servingFixture()]);
    let now = Date.now();
    const target = await startTargetServer({
      caBundle: staticCaBundle(m.trusted.certPem),
      serving: staticServingPair({ cert: Buffer.from(serving.leaf.certPem), key: Buffer.from(serving.leaf.keyPem) }),
      authorizer: new StaticAuthorizer([{ user: { name: SCRAPER }, verb: 'get', path: '/metrics' }]),
      now: () => now,
    });
    const agent = singleConnectionAgent({ ca: serving.ca.certPem, identity: { cert: m.good.chainPem, key: m.good.keyPem } });
    try {
      expect((await httpsRequest({ port: target.port, ca: serving.ca.certPem, agent })).status).toBe(200);
      now = m.good.certificate.notAfter.getTime() + 61_000; // past notAfter + 60 s skew
      const r = await httpsRequest({ port: target.port, ca: serving.ca.certPem, agent });
      expect(r.reusedSocket).toBe(true);
      expect(r.status).toBe(401);
    } finally {
      agent.destroy();
      await target.close();
    }
  });

  // The leaf gets 60 s of skew (a scraper's clock may lag); issuers get none, as in Go's x509.Verify.
  // The CA is valid [T-2h, T+2h], the leaf [T-1h, T+1h] (or outliving its CA in the last rows).
  it.each<[string, 'leaf' | 'ca', 'start' | 'end', number, number]>([
    ['the leaf 30 s before its notBefore -> 200 (skew)', 'leaf', 'start', -30_000, 200],
    ['the leaf 90 s before its notBefore -> 401', 'leaf', 'start', -90_000, 401],
    ['the leaf 30 s after its notAfter -> 200 (skew)', 'leaf', 'end', 30_000, 200],
    ['the leaf 90 s after its notAfter -> 401', 'leaf', 'end', 90_000, 401],
    ['the issuing CA 30 s after its notAfter -> 401 (no skew for issuers)', 'ca', 'end', 30_000, 401],
    ['the issuing CA 30 s before its notBefore -> 401 (no skew for issuers)', 'ca', 'start', -30_000, 401],
    ['the issuing CA 1 s before its notAfter -> 200', 'ca', 'end', -1_000, 200],
  ])('%s', async (_name, who, edge, offset, status) => {
    const T = Date.now();
    const HOUR = 3_600_000;
    const [ca, serving] = await Promise.all([createTestCa({ notBefore: new Date(T - 2 * HOUR), notAfter: new Date(T + 2 * HOUR) }), servingFixture()]);
    const leaf = who === 'leaf'
      ? await issueTestLeaf(ca, { commonName: SCRAPER, notBefore: new Date(T - HOUR), notAfter: new Date(T + HOUR) })
      : await issueTestLeaf(ca, { commonName: SCRAPER, notBefore: new Date(T - 3 * HOUR), notAfter: new Date(T + 3 * HOUR) });
    const subject = who === 'leaf' ? leaf.certificate : ca.certificate;
    let now = (edge === 'start' ? subject.notBefore : subject.notAfter).getTime() + offset;
    const target = await startTargetServer({
      caBundle: staticCaBundle(ca.certPem),
      serving: staticServingPair({ cert: Buffer.from(serving.leaf.certPem), key: Buffer.from(serving.leaf.keyPem) }),
      authorizer: new StaticAuthorizer([{ user: { name: SCRAPER }, verb: 'get', path: '/metrics' }]),
      now: () => now,
    });
    try {
      const r = await httpsRequest({ port: target.port, ca: serving.ca.certPem, identity: { cert: leaf.chainPem, key: leaf.keyPem } });
      expect(r.status).toBe(status);
      now = T; // and the verdict is not stuck: inside every window the same chain is accepted
      if (status === 200) expect((await httpsRequest({ port: target.port, ca: serving.ca.certPem, identity: { cert: leaf.chainPem, key: leaf.keyPem } })).status).toBe(200);
    } finally {
      await target.close();
    }
  });
});
