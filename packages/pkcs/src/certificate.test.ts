import { describe, expect, it } from 'vitest';
import { certificateMatchesKey, checkValidity, createCertificate, parseCertificate, parseCertificateBundle } from './certificate.js';
import { isPkcsError } from './errors.js';
import type { PkcsErrorCode } from './errors.js';
import { EKU, OID, subjectAltNameExtension } from './extensions.js';
import { generateKeyPair } from './keys.js';
import { commonNameInput, formatName } from './names.js';
import { encodePem } from './pem.js';
import { createTestCa, issueTestLeaf } from './testing/index.js';

const T0 = new Date('2030-01-01T00:00:00Z');
const T1 = new Date('2030-01-02T00:00:00Z');

function codeOf(fn: () => unknown): PkcsErrorCode | 'no error' | 'foreign error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return isPkcsError(e) ? e.code : 'foreign error';
  }
}

describe('createCertificate + parseCertificate', () => {
  it('records every field it was given, exactly', async () => {
    const caKeys = await generateKeyPair();
    const ca = await createCertificate({
      subject: commonNameInput('Test CA'), publicKey: caKeys.publicKey, signer: { privateKey: caKeys.privateKey },
      notBefore: T0, notAfter: T1, serialNumber: '0abc', ca: { pathLength: 1 },
    });
    expect(ca.serialNumber).toBe('0abc');
    expect(ca.notBefore).toEqual(T0);
    expect(ca.notAfter).toEqual(T1);
    expect(ca.subjectDer).toEqual(ca.issuerDer);
    expect(ca.basicConstraints).toEqual({ ca: true, pathLength: 1 });
    expect(ca.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(ca.extensions.find((e) => e.oid === OID.basicConstraints)?.critical).toBe(true);

    const leafKeys = await generateKeyPair({ kind: 'ecdsa', curve: 'P-384' });
    const leaf = await createCertificate({
      subject: [[{ type: 'CN', value: 'leaf' }], [{ type: 'O', value: 'g1' }], [{ type: 'O', value: 'g2' }]],
      publicKey: leafKeys.publicKey, signer: { privateKey: caKeys.privateKey, certificate: ca },
      notBefore: T0, notAfter: new Date('2060-06-01T12:00:00Z'), keyUsages: ['digitalSignature'], extendedKeyUsages: [EKU.clientAuth],
      subjectAltNames: [{ type: 'dns', value: 'leaf.example' }],
    });
    expect(formatName(leaf.subject)).toBe('O=g2,O=g1,CN=leaf');
    expect(leaf.issuer).toEqual(ca.subject);
    expect(leaf.issuerDer).toEqual(ca.subjectDer);
    expect(leaf.publicKey).toEqual({ kind: 'ecdsa', curve: 'P-384' });
    expect(leaf.notAfter).toEqual(new Date('2060-06-01T12:00:00Z')); // GeneralizedTime after 2049
    expect(leaf.basicConstraints).toBeUndefined();
    expect(leaf.keyUsage).toEqual(['digitalSignature']);
    expect(leaf.extendedKeyUsage).toEqual([EKU.clientAuth]);
    expect(leaf.extensions.find((e) => e.oid === OID.subjectAltName)?.decoded).toEqual({ kind: 'subjectAltName', names: [{ type: 'dns', value: 'leaf.example' }] });
    expect(leaf.serialNumber).toMatch(/^[0-9a-f]{32}$/);
    expect(parseCertificate(leaf.pem).der).toEqual(leaf.der);
    expect(parseCertificate(leaf.der).pem).toBe(leaf.pem);
  });

  it('refuses duplicate extensions in a certificate (RFC 5280 4.2)', async () => {
    const keys = await generateKeyPair();
    const err = await createCertificate({
      subject: commonNameInput('dup'), publicKey: keys.publicKey, signer: { privateKey: keys.privateKey }, notBefore: T0, notAfter: T1,
      subjectAltNames: [{ type: 'dns', value: 'a.example' }], extensions: [subjectAltNameExtension([{ type: 'dns', value: 'b.example' }])],
    }).catch((e: unknown) => e);
    expect(isPkcsError(err, 'PKCS_ERR_CERT_INVALID')).toBe(true);
  });

  it('refuses notAfter before notBefore', async () => {
    const keys = await generateKeyPair();
    const err = await createCertificate({ subject: commonNameInput('x'), publicKey: keys.publicKey, signer: { privateKey: keys.privateKey }, notBefore: T1, notAfter: T0 }).catch((e: unknown) => e);
    expect(isPkcsError(err, 'PKCS_ERR_CERT_INVALID')).toBe(true);
  });
});

describe('parseCertificate refuses malformed input', () => {
  it.each<[string, () => string | Uint8Array, PkcsErrorCode]>([
    ['no PEM block', () => 'nothing here', 'PKCS_ERR_PEM_TRAILING'],
    ['a request block', () => encodePem(Uint8Array.of(0x30, 0), 'CERTIFICATE REQUEST'), 'PKCS_ERR_PEM_LABEL'],
    ['two certificates', () => encodePem(Uint8Array.of(0x30, 0), 'CERTIFICATE').repeat(2), 'PKCS_ERR_PEM_MULTIPLE'],
    ['an empty SEQUENCE', () => Uint8Array.of(0x30, 0), 'PKCS_ERR_CERT_INVALID'],
    ['bytes that are not DER', () => Uint8Array.of(0xff, 0xff), 'PKCS_ERR_CERT_INVALID'],
  ])('%s', (_name, input, code) => {
    expect(codeOf(() => parseCertificate(input()))).toBe(code);
  });
});

describe('parseCertificateBundle', () => {
  it('returns every certificate in order and tolerates explanatory text between them', async () => {
    const root = await createTestCa();
    const inter = await createTestCa({ parent: root });
    const bundle = `# bundle\nsubject=root\n${root.certPem}\nsubject=intermediate\n${inter.certPem}`;
    expect(parseCertificateBundle(bundle).map((c) => c.serialNumber)).toEqual([root.certificate.serialNumber, inter.certificate.serialNumber]);
  });

  it.each<[string, string, PkcsErrorCode]>([
    ['an empty bundle', '', 'PKCS_ERR_PEM_EMPTY'],
    ['a private key in the bundle', encodePem(Uint8Array.of(0x30, 0), 'PRIVATE KEY'), 'PKCS_ERR_PEM_LABEL'],
    ['a broken certificate', encodePem(Uint8Array.of(0x30, 0), 'CERTIFICATE'), 'PKCS_ERR_CERT_INVALID'],
  ])('refuses %s', (_name, pem, code) => {
    expect(codeOf(() => parseCertificateBundle(pem))).toBe(code);
  });
});

describe('certificateMatchesKey', () => {
  it('is true for the certificate\'s own key pair and false for another', async () => {
    const ca = await createTestCa();
    const leaf = await issueTestLeaf(ca);
    expect(await certificateMatchesKey(leaf.certificate, leaf.keys)).toBe(true);
    expect(await certificateMatchesKey(leaf.certificate, ca.keys)).toBe(false);
  });
});

describe('checkValidity', () => {
  const window = { notBefore: T0, notAfter: T1 } as Parameters<typeof checkValidity>[0];
  it.each<[string, Date, number, ReturnType<typeof checkValidity>]>([
    ['inside the window', new Date('2030-01-01T12:00:00Z'), 0, { ok: true }],
    ['exactly at notBefore', T0, 0, { ok: true }],
    ['exactly at notAfter', T1, 0, { ok: true }],
    ['one second before notBefore', new Date(T0.getTime() - 1000), 0, { ok: false, reason: 'not-yet-valid' }],
    ['one second after notAfter', new Date(T1.getTime() + 1000), 0, { ok: false, reason: 'expired' }],
    ['before notBefore but within the skew', new Date(T0.getTime() - 59_000), 60, { ok: true }],
    ['after notAfter but within the skew', new Date(T1.getTime() + 59_000), 60, { ok: true }],
    ['after notAfter beyond the skew', new Date(T1.getTime() + 61_000), 60, { ok: false, reason: 'expired' }],
  ])('%s', (_name, now, skew, expected) => {
    expect(checkValidity(window, now, skew)).toEqual(expected);
  });
});
