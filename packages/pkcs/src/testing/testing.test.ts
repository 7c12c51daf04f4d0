import { describe, expect, it } from 'vitest';
import { createTestCa, createTestCsr, hostileNameDer, issueTestLeaf } from './index.js';
import { EKU, importPrivateKeyPem, isPkcsError, parseCertificate, parseCertificateBundle, verifyChain, verifyCsrSignature, certificateMatchesKey } from '../index.js';

describe('@certscrape/pkcs/testing', () => {
  it('createTestCa defaults to a P-256 self-signed CA valid from now-1h to now+24h', async () => {
    const before = Date.now();
    const ca = await createTestCa();
    expect(ca.certificate.publicKey).toEqual({ kind: 'ecdsa', curve: 'P-256' });
    expect(ca.certificate.basicConstraints).toEqual({ ca: true, pathLength: undefined });
    expect(ca.certificate.subjectDer).toEqual(ca.certificate.issuerDer);
    expect(Math.abs(ca.certificate.notBefore.getTime() - (before - 3_600_000))).toBeLessThan(5_000);
    expect(Math.abs(ca.certificate.notAfter.getTime() - (before + 86_400_000))).toBeLessThan(5_000);
    expect(parseCertificate(ca.certPem).der).toEqual(ca.certificate.der);
    expect(await certificateMatchesKey(ca.certificate, await importPrivateKeyPem(ca.keyPem))).toBe(true);
  });

  it('createTestCa({ ca: false }) makes a non-CA issuer', async () => {
    const notCa = await createTestCa({ ca: false });
    expect(notCa.certificate.basicConstraints).toEqual({ ca: false, pathLength: undefined });
    expect(notCa.certificate.keyUsage).toContain('keyCertSign');
  });

  it('issueTestLeaf defaults to a clientAuth leaf and chainPem holds the leaf and intermediates, not the root', async () => {
    const root = await createTestCa();
    const i1 = await createTestCa({ parent: root });
    const i2 = await createTestCa({ parent: i1 });
    const leaf = await issueTestLeaf(i2, { commonName: 'scraper', organizations: ['g'] });
    expect(leaf.certificate.extendedKeyUsage).toEqual([EKU.clientAuth]);
    expect(leaf.certificate.keyUsage).toEqual(['digitalSignature']);
    expect(leaf.certificate.subject.flat().map((a) => `${a.shortName}=${a.value}`)).toEqual(['CN=scraper', 'O=g']);
    const chain = parseCertificateBundle(leaf.chainPem);
    expect(chain.map((c) => c.serialNumber)).toEqual([leaf.certificate, i2.certificate, i1.certificate].map((c) => c.serialNumber));
    const r = await verifyChain(chain[0]!, { roots: [root.certificate], intermediates: chain.slice(1), now: new Date(), requiredEku: EKU.clientAuth });
    expect(r.ok).toBe(true);
    expect((await issueTestLeaf(root, { extendedKeyUsages: null })).certificate.extendedKeyUsage).toBeUndefined();
  });

  it('createTestCsr builds a verifiable request, including weak RSA for hostile tests', async () => {
    const { csr, pem, keys } = await createTestCsr({ commonName: 'weak', keySpec: { kind: 'rsa', bits: 1024 } });
    expect(csr.publicKey).toEqual({ kind: 'rsa', bits: 1024 });
    expect(keys.spec).toEqual({ kind: 'rsa', bits: 1024 });
    expect(pem).toBe(csr.pem);
    expect(await verifyCsrSignature(csr)).toBe(true);
  });

  it('the main entry still refuses weak RSA generation', async () => {
    const { generateKeyPair } = await import('../index.js');
    const err = await generateKeyPair({ kind: 'rsa', bits: 1024 }).catch((e: unknown) => e);
    expect(isPkcsError(err, 'PKCS_ERR_KEY_UNSUPPORTED')).toBe(true);
  });

  it('hostileNameDer builds names the strict builders refuse (empty values), usable as a subject', async () => {
    const ca = await createTestCa();
    const emptyCn = hostileNameDer([[{ type: 'CN', value: '' }]]);
    const leaf = await issueTestLeaf(ca, { subject: emptyCn });
    expect(leaf.certificate.subject).toEqual([[{ oid: '2.5.4.3', shortName: 'CN', value: '', stringType: 'utf8' }]]);
    expect((await verifyChain(leaf.certificate, { roots: [ca.certificate], now: new Date() })).ok).toBe(true);
    const { csr } = await createTestCsr({ subject: hostileNameDer([[{ type: 'CN', value: 'x' }], [{ type: 'O', value: '' }]]) });
    expect(csr.subject.flat().map((a) => a.value)).toEqual(['x', '']);
    expect(await verifyCsrSignature(csr)).toBe(true);
  });

  it('a raw subject that is not a DER Name is refused with PKCS_ERR_NAME_INVALID', async () => {
    const err = await createTestCsr({ subject: Uint8Array.of(1, 2, 3) }).catch((e: unknown) => e);
    expect(isPkcsError(err, 'PKCS_ERR_NAME_INVALID')).toBe(true);
  });
});
