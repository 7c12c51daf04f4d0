// The authenticator's verdict rules beyond one chain check: OpenSSL AND pkcs on a full handshake (counted and
// logged when they disagree), pkcs alone on a resumed session, failures cached per chain fingerprint briefly,
// and the subject read as Go (kube-apiserver) reads it. The socket is a stand-in exposing exactly what Node's
// TLSSocket gives the authenticator (peer chain, `authorized`, `authorizationError`, `isSessionReused()`).
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { parseCertificate } from '@certscrape/pkcs';
import { createTestCa, hostileNameDer, issueTestLeaf, type TestCa } from '@certscrape/pkcs/testing';
import { GO_ORACLE_BUILD_TIMEOUT_MS, goCertificateNames, goOracleBinary, identityNameArb, nameArb, utf8FromHex, withSubject } from '@certscrape/pkcs/testing/oracles';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { staticCaBundle } from '../ca-bundle.js';
import { createTargetAuthMetrics } from '../metrics.js';
import { countingCrypto } from '../test-support/counting-crypto.js';
import { SCRAPER } from '../test-support/fixtures.js';
import { ClientCertAuthenticator, userFromSubject } from './client-cert-authenticator.js';

function fakeSocket(chainDer: readonly Uint8Array[], o: { authorized: boolean; error?: string; resumed?: boolean; reads?: { count: number } }): TLSSocket {
  // The X509Certificate fields the authenticator reads: raw, fingerprint256 and issuerCertificate (the next presented one).
  const node = (i: number): Record<string, unknown> | undefined => {
    const der = chainDer[i];
    if (der === undefined) return undefined;
    return { raw: Buffer.from(der), fingerprint256: createHash('sha256').update(der).digest('hex'), issuerCertificate: node(i + 1) };
  };
  const read = <T>(v: T): T => {
    if (o.reads) o.reads.count++;
    return v;
  };
  // getPeerCertificate(false) as node:tls answers it: the leaf's raw and fingerprint, or {} without one.
  const leafObject = () => (chainDer[0] === undefined ? {} : { raw: Buffer.from(chainDer[0]), fingerprint256: createHash('sha256').update(chainDer[0]).digest('hex') });
  return { getPeerX509Certificate: () => read(node(0)), getPeerCertificate: () => read(leafObject()), authorized: o.authorized, authorizationError: o.error, isSessionReused: () => o.resumed ?? false } as unknown as TLSSocket;
}

let ca: TestCa;
beforeAll(async () => {
  ca = await createTestCa({ commonName: 'verdicts CA' });
});

describe('OpenSSL and pkcs must both accept on a full handshake', () => {
  it.each<[string, { authorized: boolean; resumed?: boolean }, boolean, number]>([
    ['both accept -> authenticated', { authorized: true }, true, 0],
    ['OpenSSL refused, pkcs accepts, full handshake -> refused, one disagreement counted', { authorized: false }, false, 1],
    ['OpenSSL refused on a resumed session (no fresh verdict) -> pkcs decides', { authorized: false, resumed: true }, true, 0],
  ])('%s', async (_name, socket, ok, disagreements) => {
    const leaf = await issueTestLeaf(ca, { commonName: SCRAPER });
    const metrics = createTargetAuthMetrics();
    const warnings: object[] = [];
    const auth = new ClientCertAuthenticator({ caBundle: staticCaBundle(ca.certPem), metrics, logger: { info: () => undefined, error: () => undefined, warn: (o) => warnings.push(o) } });
    const r = await auth.authenticateSocket(fakeSocket([leaf.certificate.der], { ...socket, error: socket.authorized ? undefined : 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }));
    expect(r?.ok).toBe(ok);
    const text = await metrics.registry.metrics();
    expect(text).toContain(`certscrape_target_auth_chain_verdict_disagreements_total{accepted_by="pkcs"} ${disagreements}`);
    expect(warnings.length).toBe(disagreements);
  });

  it('pkcs refusing what OpenSSL accepted is counted as accepted_by="openssl" and stays refused', async () => {
    const other = await createTestCa();
    const leaf = await issueTestLeaf(other, { commonName: SCRAPER });
    const metrics = createTargetAuthMetrics();
    const auth = new ClientCertAuthenticator({ caBundle: staticCaBundle(ca.certPem), metrics });
    const r = await auth.authenticateSocket(fakeSocket([leaf.certificate.der], { authorized: true }));
    expect(r?.ok).toBe(false);
    expect(await metrics.registry.metrics()).toContain('certscrape_target_auth_chain_verdict_disagreements_total{accepted_by="openssl"} 1');
  });
});

describe('over real TLS: OpenSSL judges at the handshake with the real clock', () => {
  it('a leaf that expired 30 s ago is within pkcs\'s 60 s leaf skew but refused by OpenSSL: 401, counted as accepted_by="pkcs"', async () => {
    const { StaticAuthorizer } = await import('../authz/static-authorizer.js');
    const { staticServingPair } = await import('../serving-cert.js');
    const { servingFixture } = await import('../test-support/fixtures.js');
    const { httpsRequest } = await import('../test-support/https-client.js');
    const { startTargetServer } = await import('../test-support/target-server.js');
    const serving = await servingFixture();
    const leaf = await issueTestLeaf(ca, { commonName: SCRAPER, notBefore: new Date(Date.now() - 3_600_000), notAfter: new Date(Date.now() - 30_000) });
    const metrics = createTargetAuthMetrics();
    const target = await startTargetServer({
      caBundle: staticCaBundle(ca.certPem),
      serving: staticServingPair({ cert: Buffer.from(serving.leaf.certPem), key: Buffer.from(serving.leaf.keyPem) }),
      authorizer: new StaticAuthorizer([{ user: { name: SCRAPER }, verb: 'get', path: '/metrics' }]),
      clientCert: { metrics },
    });
    try {
      const r = await httpsRequest({ port: target.port, ca: serving.ca.certPem, identity: { cert: leaf.chainPem, key: leaf.keyPem } });
      expect(r.status).toBe(401);
      expect(await metrics.registry.metrics()).toContain('certscrape_target_auth_chain_verdict_disagreements_total{accepted_by="pkcs"} 1');
    } finally {
      await target.close();
    }
  });

  it('a refused subject (two CNs) on a chain both accept is no disagreement', async () => {
    const leaf = await issueTestLeaf(ca, { subject: hostileNameDer([[{ type: 'CN', value: SCRAPER }], [{ type: 'CN', value: 'other' }]]) });
    const metrics = createTargetAuthMetrics();
    const auth = new ClientCertAuthenticator({ caBundle: staticCaBundle(ca.certPem), metrics });
    expect((await auth.authenticateSocket(fakeSocket([leaf.certificate.der], { authorized: true })))?.ok).toBe(false);
    expect(await metrics.registry.metrics()).toContain('certscrape_target_auth_chain_verdict_disagreements_total{accepted_by="openssl"} 0');
  });
});

describe('a chain OpenSSL refused costs pkcs nothing beyond the audit budget', () => {
  it('the first refused chain of a second is audited by pkcs; the next ones are refused on OpenSSL\'s verdict alone', async () => {
    const impostor = await createTestCa({ commonName: 'verdicts CA' });
    const counting = countingCrypto();
    const now = Date.now();
    const auth = new ClientCertAuthenticator({ caBundle: staticCaBundle(ca.certPem), crypto: counting.crypto, now: () => now, auditsPerSecond: 1 });
    const leaves = await Promise.all([0, 1, 2, 3].map(() => issueTestLeaf(impostor, { commonName: SCRAPER })));
    const results = [];
    const reads = { count: 0 };
    for (const l of leaves) results.push(await auth.authenticateSocket(fakeSocket([l.certificate.der], { authorized: false, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', reads })));
    expect(results.map((r) => r?.ok)).toEqual([false, false, false, false]);
    expect(counting.verifications()).toBe(1); // the audit; the other three did no signature check
    expect(reads.count).toBe(1); // ... and were not even read: OpenSSL's refusal code says a certificate was presented
  });
});

describe('a refused socket without a certificate is still "no certificate" (token fallback applies)', () => {
  it.each<[string, boolean]>([
    ['no certificate, with node:tls\'s code for that -> undefined', false],
    ['a certificate refused with that same code -> refused, not undefined', true],
  ])('%s', async (_name, presented) => {
    const leaf = await issueTestLeaf(ca, { commonName: SCRAPER });
    const auth = new ClientCertAuthenticator({ caBundle: staticCaBundle(ca.certPem), auditsPerSecond: 0 });
    const r = await auth.authenticateSocket(fakeSocket(presented ? [leaf.certificate.der] : [], { authorized: false, error: 'UNABLE_TO_GET_ISSUER_CERT' }));
    if (presented) expect(r?.ok).toBe(false);
    else expect(r).toBeUndefined();
  });
});

describe('failed chains are answered from cache per fingerprint, briefly', () => {
  it('a client reconnecting with the same refused chain costs no signature check until failureTtlMs passes', async () => {
    const impostor = await createTestCa({ commonName: 'verdicts CA' }); // same name, other key: a signature check is needed to refuse
    const leaf = await issueTestLeaf(impostor, { commonName: SCRAPER });
    const counting = countingCrypto();
    let now = Date.now();
    const auth = new ClientCertAuthenticator({ caBundle: staticCaBundle(ca.certPem), crypto: counting.crypto, now: () => now, failureTtlMs: 5_000 });
    // OpenSSL "accepted" (a stand-in verdict): pkcs must do the refusing, so its cost is what is cached.
    const connect = () => auth.authenticateSocket(fakeSocket([leaf.certificate.der], { authorized: true }));
    expect((await connect())?.ok).toBe(false);
    const first = counting.verifications();
    expect(first).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) expect((await connect())?.ok).toBe(false);
    expect(counting.verifications()).toBe(first);
    now += 5_001;
    expect((await connect())?.ok).toBe(false);
    expect(counting.verifications()).toBeGreaterThan(first);
  });
});

describe('accepted chains are memoised per fingerprints and CA generation', () => {
  it('a new connection with an accepted chain is answered synchronously, without reading its DER or checking a signature; a new CA generation verifies again', async () => {
    const leaf = await issueTestLeaf(ca, { commonName: SCRAPER });
    const counting = countingCrypto();
    let generation = 1;
    const bundle = staticCaBundle(ca.certPem);
    const caBundle = { current: () => ({ ...bundle.current(), generation }), onChange: bundle.onChange };
    const auth = new ClientCertAuthenticator({ caBundle, crypto: counting.crypto });
    let derReads = 0;
    const connect = () => {
      const socket = fakeSocket([leaf.certificate.der], { authorized: true });
      const peer = socket.getPeerX509Certificate() as unknown as { raw: Buffer };
      const raw = peer.raw;
      Object.defineProperty(peer, 'raw', { get: () => (derReads++, raw) });
      (socket as unknown as { getPeerX509Certificate: () => unknown }).getPeerX509Certificate = () => peer;
      return auth.authenticateSocket(socket);
    };
    const first = connect();
    expect(first).toBeInstanceOf(Promise);
    expect((await first)?.ok).toBe(true);
    const checks = counting.verifications();
    const reads = derReads;
    expect(checks).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      const again = connect();
      expect(again).not.toBeInstanceOf(Promise);
      expect((again as Exclude<typeof again, Promise<unknown>>)?.ok).toBe(true);
    }
    expect(counting.verifications()).toBe(checks);
    expect(derReads).toBe(reads);
    generation = 2;
    expect((await connect())?.ok).toBe(true);
    expect(counting.verifications()).toBeGreaterThan(checks);
  });
});

describe('concurrent connections with the same new chain share one verification', () => {
  it('three sockets presenting an unseen chain at once cost what one does, and all are accepted', async () => {
    const leaf = await issueTestLeaf(ca, { commonName: SCRAPER });
    const single = countingCrypto();
    const one = new ClientCertAuthenticator({ caBundle: staticCaBundle(ca.certPem), crypto: single.crypto });
    expect((await one.authenticateSocket(fakeSocket([leaf.certificate.der], { authorized: true })))?.ok).toBe(true);
    const counting = countingCrypto();
    const auth = new ClientCertAuthenticator({ caBundle: staticCaBundle(ca.certPem), crypto: counting.crypto });
    const results = await Promise.all([0, 1, 2].map(() => auth.authenticateSocket(fakeSocket([leaf.certificate.der], { authorized: true }))));
    expect(results.map((r) => r?.ok)).toEqual([true, true, true]);
    expect(counting.verifications()).toBe(single.verifications());
  });
});

describe('userFromSubject reads the subject as kube-apiserver (Go) does', () => {
  it.each<[string, { subject: [string, string][] }, string | { name: string; groups: string[] }]>([
    ['CN "\\ufeff<scraper>" in O "\\ufeffsystem:masters" is refused (it is neither the scraper nor system:masters to Go)', { subject: [['CN', `\ufeff${SCRAPER}`], ['O', '\ufeffsystem:masters']] }, 'refused'],
    ['a CN with U+200B is refused', { subject: [['CN', `${SCRAPER}\u200b`]] }, 'refused'],
    ['an O with U+0000 is refused', { subject: [['CN', SCRAPER], ['O', 'a\u0000']] }, 'refused'],
    ['an empty O is refused (Go would make it a group "")', { subject: [['CN', SCRAPER], ['O', '']] }, 'refused'],
    ['CN and two O become the user and groups, in order', { subject: [['CN', SCRAPER], ['O', 'b'], ['O', 'a']] }, { name: SCRAPER, groups: ['b', 'a'] }],
  ])('%s', async (_name, o, expected) => {
    const leaf = await issueTestLeaf(ca, { subject: hostileNameDer(o.subject.map(([type, value]) => [{ type, value }])) });
    const u = userFromSubject(leaf.certificate);
    expect(typeof u === 'string' ? 'refused' : { name: u.name, groups: [...u.groups] }).toEqual(expected);
  });

  const runs = 300 * Number(process.env.CERTSCRAPE_FUZZ_RUNS ?? '1');
  const seed = Number(process.env.CERTSCRAPE_FUZZ_SEED ?? Date.now() % 1_000_000);
  beforeAll(() => {
    goOracleBinary(); // no Go toolchain: fail, never skip
  }, GO_ORACLE_BUILD_TIMEOUT_MS);
  it(`${runs} generated subjects: whenever a user is accepted it is Go's CommonName and Organization exactly (seed ${seed})`, async () => {
    const template = (await issueTestLeaf(ca)).certificate.der;
    const names = fc.sample(fc.oneof(nameArb([SCRAPER, 'system:masters']), identityNameArb(SCRAPER, ['system:monitoring'])), { numRuns: runs, seed });
    const ders = names.map((n) => withSubject(template, n.der, 'certificate'));
    const go = goCertificateNames(ders);
    const problems: string[] = [];
    let accepted = 0;
    ders.forEach((der, i) => {
      let cert;
      try {
        cert = parseCertificate(der);
      } catch {
        if (go[i]!.error === undefined) problems.push(`pkcs refuses a certificate Go parses: ${Buffer.from(names[i]!.der).toString('hex')}`);
        return;
      }
      const u = userFromSubject(cert);
      if (typeof u === 'string') return;
      accepted++;
      const g = go[i]!;
      const goUser = { name: utf8FromHex(g.commonNameHex), groups: g.organizationHex.map(utf8FromHex) };
      if (g.error !== undefined || u.name !== goUser.name || JSON.stringify(u.groups) !== JSON.stringify(goUser.groups)) {
        problems.push(`${Buffer.from(names[i]!.der).toString('hex')}: ours ${JSON.stringify(u)} vs go ${JSON.stringify(g)}`);
      }
      if (/[\p{Cc}\p{Cf}]/u.test(u.name + u.groups.join(''))) problems.push(`accepted a control/format character: ${JSON.stringify(u)}`);
    });
    expect(problems.slice(0, 10)).toEqual([]);
    expect(accepted).toBeGreaterThan(runs / 20);
  }, 120_000);
});
