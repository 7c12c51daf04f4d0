import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EKU, generateKeyPair, parseCsr, type KeyPair, type NameInput } from '@certscrape/pkcs';
import { createTestCa, createTestCsr, issueTestLeaf, type TestCa } from '@certscrape/pkcs/testing';
import { DEFAULT_SCRAPER_USERNAME } from './defaults.js';
import { scraperIdentity } from './scraper-identity.js';
import { createCsrPolicy } from './csr-policy.js';
import { subjectIsIdentity } from './csr-rules.js';
import { checkScraperCertificate, scraperSubjectViolations } from './scraper-certificate.js';

const identity = scraperIdentity(DEFAULT_SCRAPER_USERNAME);
const HOUR = 3_600_000;
const NOW = new Date('2026-06-01T12:00:00Z');
let ca: TestCa;
let otherCa: TestCa;
let keys: KeyPair;

beforeAll(async () => {
  ca = await createTestCa({ commonName: 'cluster client CA', notBefore: new Date(NOW.getTime() - 24 * HOUR), notAfter: new Date(NOW.getTime() + 24 * HOUR) });
  otherCa = await createTestCa({ commonName: 'cluster client CA', notBefore: new Date(NOW.getTime() - 24 * HOUR), notAfter: new Date(NOW.getTime() + 24 * HOUR) }); // same name, other key
  keys = await generateKeyPair();
});

async function check(leafOptions: Parameters<typeof issueTestLeaf>[1], opts: { roots?: TestCa[]; keys?: KeyPair; issuer?: TestCa; id?: typeof identity } = {}) {
  const leaf = await issueTestLeaf(opts.issuer ?? ca, { commonName: DEFAULT_SCRAPER_USERNAME, keys, notBefore: new Date(NOW.getTime() - HOUR), notAfter: new Date(NOW.getTime() + HOUR), ...leafOptions });
  return checkScraperCertificate({ certPem: leaf.certPem, keys: opts.keys ?? keys, identity: opts.id ?? identity, roots: (opts.roots ?? [ca]).map((c) => c.certificate), now: NOW });
}

describe('checkScraperCertificate', () => {
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
  it('if the identity has groups, the O RDNs may come in any order (as the CSR rule allows)', async () => {
    const id = scraperIdentity(DEFAULT_SCRAPER_USERNAME, ['g1', 'g2']);
    expect((await check({ organizations: ['g2', 'g1'] }, { id })).problems).toEqual([]);
    expect((await check({ organizations: ['g1'] }, { id })).problems).toEqual(['subject']);
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
    expect((await check({ notBefore: new Date(NOW.getTime() - 3 * HOUR), notAfter: new Date(NOW.getTime() - HOUR) })).problems).toEqual(['expired']);
  });
  it('if the certificate starts in the future beyond the skew, report not-yet-valid', async () => {
    expect((await check({ notBefore: new Date(NOW.getTime() + HOUR), notAfter: new Date(NOW.getTime() + 3 * HOUR) })).problems).toContain('not-yet-valid');
  });
  it('if less than a minute is left, report lifetime', async () => {
    expect((await check({ notBefore: new Date(NOW.getTime() - HOUR), notAfter: new Date(NOW.getTime() + 30_000) })).problems).toEqual(['lifetime']);
  });
  it('if the PEM is garbage, report malformed-cert without throwing', async () => {
    const r = await checkScraperCertificate({ certPem: 'not a certificate', keys, identity, roots: [ca.certificate], now: NOW });
    expect(r).toEqual({ problems: ['malformed-cert'], certificate: undefined });
  });
  it('if the CA bundle holds several CAs, any one that signed the certificate is enough', async () => {
    expect((await check({}, { roots: [otherCa, ca] })).problems).toEqual([]);
  });
});

// One rule, two readers: the approver's CSR rule and the operator's certificate check must accept
// exactly the same subjects. Generated subjects are built as a CSR and as a certificate (the
// kube-apiserver-client signer copies the subject verbatim), then judged by both.
const NAMES = [DEFAULT_SCRAPER_USERNAME, 'system:serviceaccount:monitoring:other', 'g1', 'g2', 'system:masters'];
const attr = fc.record({ type: fc.constantFrom('CN', 'O', 'OU'), value: fc.constantFrom(...NAMES) });
const subjectArb: fc.Arbitrary<NameInput> = fc.array(fc.array(attr, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 3 });
const groupsArb = fc.constantFrom<readonly string[]>([], ['g1'], ['g1', 'g2']);

describe('the subject rule is the same for the CSR and the issued certificate', () => {
  it('for generated subjects and identities, the CSR rule passes exactly when the certificate check finds no subject problem', async () => {
    await fc.assert(
      fc.asyncProperty(subjectArb, groupsArb, async (subject, groups) => {
        const id = scraperIdentity(DEFAULT_SCRAPER_USERNAME, groups);
        const csr = await createTestCsr({ subject, keys });
        const policy = createCsrPolicy({ scraperIdentity: id });
        const csrOk = subjectIsIdentity({ csr: { username: undefined, groups: undefined } as never, request: parseCsr(csr.pem), policy }).length === 0;
        const cert = await check({ subject }, { id });
        const certOk = !cert.problems.includes('subject');
        // The one difference: the signer may put the CN after the O RDNs (Go's order), the operator's request may not.
        const onlyCnMisplaced = scraperSubjectViolations(parseCsr(csr.pem).subject, id).every((v) => v.message === 'the common name must be the first RDN');
        expect(certOk).toBe(csrOk || onlyCnMisplaced);
        expect(scraperSubjectViolations(cert.certificate!.subject, id).length === 0).toBe(csrOk);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});

/** DER of `[[CN=<value>]]` with the CN as PrintableString, as Go's crypto/x509 encodes it when the value fits. */
function printableCnName(value: string): Uint8Array {
  const tlv = (tag: number, body: Uint8Array) => Uint8Array.from([tag, body.length, ...body]);
  const oidCn = Uint8Array.from([0x06, 0x03, 0x55, 0x04, 0x03]);
  const atv = tlv(0x30, Uint8Array.from([...oidCn, ...tlv(0x13, new TextEncoder().encode(value))]));
  return tlv(0x30, tlv(0x31, atv));
}

describe('the RDN order depends on who encoded the subject', () => {
  // Regression (csr-approver integration run with two identities on the local control plane): the
  // kube-apiserver-client signer issued CN=<tenant>,O=<group> as [O=<group>], [CN=<tenant>].
  const tenant = scraperIdentity('system:serviceaccount:monitoring-user-workload:prometheus-user-workload', ['certscrape:user-workload']);
  const goOrder: NameInput = [[{ type: 'O', value: 'certscrape:user-workload' }], [{ type: 'CN', value: tenant.username }]];
  it('if the signer issued the O before the CN (Go pkix.Name order), the certificate is still a valid scraper certificate', async () => {
    const r = await check({ subject: goOrder }, { id: tenant });
    expect(r.problems).toEqual([]);
  });
  it('if a CSR puts the O before the CN, the CSR rule still refuses it (the operator always sends the CN first)', async () => {
    const csr = await createTestCsr({ subject: goOrder, keys });
    expect(scraperSubjectViolations(parseCsr(csr.pem).subject, tenant).map((v) => v.message)).toEqual(['the common name must be the first RDN']);
  });
  it('if the signer issued two CNs in any order, the certificate is refused', async () => {
    const r = await check({ subject: [...goOrder, [{ type: 'CN', value: 'system:admin' }]] }, { id: tenant });
    expect(r.problems).toContain('subject');
  });
});

describe('the string type depends on who encoded the subject', () => {
  // Regression (integration run on the local control plane): the kube-apiserver-client signer
  // re-encodes the CSR's subject, and Go picks PrintableString for the default identity.
  it('if the signer issued the CN as PrintableString, the certificate is still a valid scraper certificate', async () => {
    const r = await check({ subject: printableCnName(DEFAULT_SCRAPER_USERNAME) });
    expect(r.certificate?.subject[0]?.[0]?.stringType).toBe('printable');
    expect(r.problems).toEqual([]);
  });
  it('if a CSR carries the CN as PrintableString, the CSR rule still refuses it (the operator always sends UTF8String)', async () => {
    const csr = await createTestCsr({ subject: printableCnName(DEFAULT_SCRAPER_USERNAME), keys });
    const violations = subjectIsIdentity({ csr: { username: undefined, groups: undefined } as never, request: parseCsr(csr.pem), policy: createCsrPolicy() });
    expect(violations.map((v) => v.rule)).toEqual(['subject-string-type']);
  });
});
