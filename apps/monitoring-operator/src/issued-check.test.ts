import { beforeAll, describe, expect, it } from 'vitest';
import { EKU, generateKeyPair, type KeyPair } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf, type TestCa } from '@certscrape/pkcs/testing';
import { DEFAULT_SCRAPER_USERNAME, scraperIdentity } from '@certscrape/identity';
import { checkIssuedCertificate, subjectIsExactly } from './issued-check.js';

const identity = scraperIdentity(DEFAULT_SCRAPER_USERNAME);
const HOUR = 3_600_000;
let ca: TestCa;
let otherCa: TestCa;
let keys: KeyPair;

beforeAll(async () => {
  ca = await createTestCa({ commonName: 'cluster client CA' });
  otherCa = await createTestCa({ commonName: 'cluster client CA' }); // same name, different key
  keys = await generateKeyPair();
});

async function check(leafOptions: Parameters<typeof issueTestLeaf>[1], opts: { roots?: TestCa[]; keys?: KeyPair; now?: Date; issuer?: TestCa } = {}) {
  const leaf = await issueTestLeaf(opts.issuer ?? ca, { commonName: DEFAULT_SCRAPER_USERNAME, keys, ...leafOptions });
  return checkIssuedCertificate({ certPem: leaf.certPem, keys: opts.keys ?? keys, identity, roots: (opts.roots ?? [ca]).map((c) => c.certificate), now: opts.now ?? new Date() });
}

describe('checkIssuedCertificate', () => {
  it('if the certificate is right in every way, report no problem', async () => {
    const r = await check({});
    expect(r.problems).toEqual([]);
    expect(r.certificate?.subject[0]?.[0]?.value).toBe(DEFAULT_SCRAPER_USERNAME);
  });
  it('if the certificate is for another key, report key-mismatch', async () => {
    expect((await check({}, { keys: await generateKeyPair() })).problems).toContain('key-mismatch');
  });
  it('if the subject names another user, report subject', async () => {
    expect((await check({ commonName: 'system:serviceaccount:monitoring:other' })).problems).toEqual(['subject']);
  });
  it('if the subject carries an extra O, report subject', async () => {
    expect((await check({ organizations: ['system:masters'] })).problems).toEqual(['subject']);
  });
  it('if the certificate has no EKU extension, report eku', async () => {
    expect((await check({ extendedKeyUsages: null })).problems).toContain('eku');
  });
  it('if the EKU is serverAuth only, report eku', async () => {
    expect((await check({ extendedKeyUsages: [EKU.serverAuth] })).problems).toContain('eku');
  });
  it('if the issuer is another CA with the same name, report untrusted', async () => {
    expect((await check({}, { issuer: otherCa })).problems).toEqual(['untrusted']);
  });
  it('if the certificate has expired, report expired (and nothing about trust)', async () => {
    const r = await check({ notBefore: new Date(Date.now() - 3 * HOUR), notAfter: new Date(Date.now() - HOUR) });
    expect(r.problems).toEqual(['expired']);
  });
  it('if the certificate starts in the future beyond the skew, report not-yet-valid', async () => {
    const r = await check({ notBefore: new Date(Date.now() + HOUR), notAfter: new Date(Date.now() + 3 * HOUR) });
    expect(r.problems).toContain('not-yet-valid');
  });
  it('if less than a minute is left, report lifetime', async () => {
    const r = await check({ notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + 30_000) });
    expect(r.problems).toEqual(['lifetime']);
  });
  it('if the PEM is garbage, report malformed-cert without throwing', async () => {
    const r = await checkIssuedCertificate({ certPem: 'not a certificate', keys, identity, roots: [ca.certificate], now: new Date() });
    expect(r).toEqual({ problems: ['malformed-cert'], certificate: undefined });
  });
  it('if the CA bundle holds several CAs, any one that signed the certificate is enough', async () => {
    expect((await check({}, { roots: [otherCa, ca] })).problems).toEqual([]);
  });
});

describe('subjectIsExactly', () => {
  it('compares type, value and order of every RDN', async () => {
    const leaf = await issueTestLeaf(ca, { commonName: 'a', organizations: ['g1', 'g2'] });
    expect(subjectIsExactly(leaf.certificate.subject, [[{ type: 'CN', value: 'a' }], [{ type: 'O', value: 'g1' }], [{ type: 'O', value: 'g2' }]])).toBe(true);
    expect(subjectIsExactly(leaf.certificate.subject, [[{ type: 'CN', value: 'a' }], [{ type: 'O', value: 'g2' }], [{ type: 'O', value: 'g1' }]])).toBe(false);
    expect(subjectIsExactly(leaf.certificate.subject, [[{ type: 'CN', value: 'a' }]])).toBe(false);
  });
});
