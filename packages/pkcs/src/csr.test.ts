import { describe, expect, it } from 'vitest';
import { createCsr, parseCsr, verifyCsrSignature } from './csr.js';
import type { ParsedCsr } from './csr.js';
import { derBitString, derOid, derSequence, derSmallInteger, derTlv } from './der.js';
import { isPkcsError } from './errors.js';
import type { PkcsErrorCode } from './errors.js';
import {
  basicConstraintsExtension, EKU, encodeExtension, extendedKeyUsageExtension, keyUsageExtension, OID, subjectAltNameExtension,
} from './extensions.js';
import { exportSpki, generateKeyPair } from './keys.js';
import type { KeyPair, KeySpec } from './keys.js';
import { commonNameInput, encodeName } from './names.js';
import { encodePem } from './pem.js';
import { signTbs } from './signature.js';

function codeOf(fn: () => unknown): PkcsErrorCode | 'no error' | 'foreign error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return isPkcsError(e) ? e.code : 'foreign error';
  }
}

/** Signs an arbitrary certificationRequestInfo (for hostile shapes createCsr will not produce). */
async function signInfo(info: Uint8Array, keys: KeyPair): Promise<Uint8Array> {
  const { algorithmId, signature } = await signTbs(keys.privateKey, info, crypto);
  return derSequence(info, algorithmId, derBitString(signature));
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const ecKeys = generateKeyPair();

describe('createCsr -> PEM -> parseCsr -> verifyCsrSignature', () => {
  it.each<[KeySpec]>([[{ kind: 'ecdsa', curve: 'P-256' }], [{ kind: 'ecdsa', curve: 'P-384' }], [{ kind: 'rsa', bits: 2048 }]])(
    'round-trips and verifies a %j request',
    async (spec) => {
      const keys = await generateKeyPair(spec);
      const built = await createCsr({ subject: commonNameInput('system:certscrape:scraper', ['certscrape:scrapers']), keys });
      const parsed = parseCsr(built.pem);
      expect(parsed.der).toEqual(built.der);
      expect(parsed.publicKey).toEqual(spec);
      expect(parsed.spki).toEqual(await exportSpki(keys));
      expect(parsed.subject).toEqual([
        [{ oid: OID.commonName, shortName: 'CN', value: 'system:certscrape:scraper', stringType: 'utf8' }],
        [{ oid: OID.organization, shortName: 'O', value: 'certscrape:scrapers', stringType: 'utf8' }],
      ]);
      expect(parsed.attributes).toEqual([]);
      expect(parsed.extensionRequestCount).toBe(0);
      expect(parsed.extensions).toEqual([]);
      expect(await verifyCsrSignature(parsed)).toBe(true);
    },
  );

  it('accepts DER input and the legacy "NEW CERTIFICATE REQUEST" label', async () => {
    const built = await createCsr({ subject: commonNameInput('x'), keys: await ecKeys });
    expect(parseCsr(built.der).pem).toBe(built.pem);
    expect(parseCsr(encodePem(built.der, 'NEW CERTIFICATE REQUEST')).der).toEqual(built.der);
  });

  it('carries requested extensions in one extensionRequest attribute, decoded', async () => {
    const built = await createCsr({
      subject: commonNameInput('x'),
      keys: await ecKeys,
      extensions: [
        subjectAltNameExtension([{ type: 'dns', value: 'a.example' }, { type: 'ip', value: '10.0.0.1' }]),
        keyUsageExtension(['digitalSignature', 'keyEncipherment']),
        extendedKeyUsageExtension([EKU.clientAuth]),
        basicConstraintsExtension(false),
      ],
    });
    const csr = parseCsr(built.pem);
    expect(csr.extensionRequestCount).toBe(1);
    expect(csr.attributes.map((a) => a.oid)).toEqual([OID.extensionRequest]);
    expect(csr.extensions.map((e) => [e.oid, e.critical, e.decoded])).toEqual([
      [OID.subjectAltName, false, { kind: 'subjectAltName', names: [{ type: 'dns', value: 'a.example' }, { type: 'ip', value: '10.0.0.1' }] }],
      [OID.keyUsage, true, { kind: 'keyUsage', usages: ['digitalSignature', 'keyEncipherment'] }],
      [OID.extKeyUsage, false, { kind: 'extendedKeyUsage', purposes: [EKU.clientAuth] }],
      [OID.basicConstraints, true, { kind: 'basicConstraints', ca: false, pathLength: undefined }],
    ]);
    expect(await verifyCsrSignature(csr)).toBe(true);
  });

  it('reports an undecodable extension with decodeError instead of dropping it', async () => {
    const built = await createCsr({
      subject: commonNameInput('x'),
      keys: await ecKeys,
      extensions: [{ oid: OID.basicConstraints, value: Uint8Array.of(0x01, 0x01, 0xff) }, { oid: '1.2.3.4', value: Uint8Array.of(0x05, 0x00) }],
    });
    const [bc, unknown] = parseCsr(built.pem).extensions;
    expect(bc).toMatchObject({ oid: OID.basicConstraints, decoded: undefined, value: Uint8Array.of(0x01, 0x01, 0xff) });
    expect(bc!.decodeError).toEqual(expect.any(String));
    expect(unknown).toMatchObject({ oid: '1.2.3.4', decoded: { kind: 'other' }, decodeError: undefined });
  });

  it('reports every extensionRequest attribute and all their extensions', async () => {
    const keys = await ecKeys;
    const extReq = (names: string[]) =>
      derSequence(derOid(OID.extensionRequest), derTlv(0x31, derSequence(encodeExtension(subjectAltNameExtension(names.map((value) => ({ type: 'dns', value })))))));
    const info = derSequence(derSmallInteger(0), encodeName(commonNameInput('x')), await exportSpki(keys), derTlv(0xa0, extReq(['a.example']), extReq(['b.example'])));
    const csr = parseCsr(await signInfo(info, keys));
    expect(csr.extensionRequestCount).toBe(2);
    expect(csr.extensions.map((e) => e.decoded)).toEqual([
      { kind: 'subjectAltName', names: [{ type: 'dns', value: 'a.example' }] },
      { kind: 'subjectAltName', names: [{ type: 'dns', value: 'b.example' }] },
    ]);
    expect(await verifyCsrSignature(csr)).toBe(true);
  });

  it('parses a request whose attributes field is omitted entirely', async () => {
    const keys = await ecKeys;
    const info = derSequence(derSmallInteger(0), encodeName(commonNameInput('x')), await exportSpki(keys));
    const csr = parseCsr(await signInfo(info, keys));
    expect(csr.attributes).toEqual([]);
    expect(await verifyCsrSignature(csr)).toBe(true);
  });
});

describe('verifyCsrSignature refuses tampering', () => {
  const tamper = async (mutate: (der: Uint8Array, csr: ParsedCsr) => Uint8Array): Promise<boolean> => {
    const csr = await createCsr({ subject: commonNameInput('honest-name'), keys: await ecKeys });
    return verifyCsrSignature(parseCsr(mutate(csr.der.slice(), csr)));
  };

  it.each<[string, (der: Uint8Array, csr: ParsedCsr) => Uint8Array]>([
    ['a changed subject byte', (der) => {
      const at = indexOfBytes(der, new TextEncoder().encode('honest-name'));
      der[at] = 'H'.charCodeAt(0);
      return der;
    }],
    ['a changed signature byte', (der) => {
      der[der.length - 3]! ^= 0x01;
      return der;
    }],
  ])('returns false after %s', async (_name, mutate) => {
    expect(await tamper(mutate)).toBe(false);
  });

  it('returns false when the public key is swapped for another', async () => {
    const keys = await ecKeys;
    const other = await generateKeyPair();
    const csr = await createCsr({ subject: commonNameInput('x'), keys });
    const der = csr.der.slice();
    const a = await exportSpki(keys);
    const b = await exportSpki(other);
    der.set(b, indexOfBytes(der, a));
    expect(await verifyCsrSignature(parseCsr(der))).toBe(false);
  });

  it('returns false for an unsupported signature algorithm (ecdsa-with-SHA224)', async () => {
    const csr = await createCsr({ subject: commonNameInput('x'), keys: await ecKeys });
    const der = csr.der.slice();
    const sha256 = derOid('1.2.840.10045.4.3.2');
    const at = indexOfBytes(der, sha256);
    der.set(derOid('1.2.840.10045.4.3.1'), at);
    expect(parseCsr(der).signatureAlgorithm).toBe('1.2.840.10045.4.3.1');
    expect(await verifyCsrSignature(parseCsr(der)).catch(() => 'threw')).toBe(false);
  });

  it('returns false (not a throw) for a hand-built ParsedCsr whose der does not parse', async () => {
    const csr = await createCsr({ subject: commonNameInput('x'), keys: await ecKeys });
    expect(await verifyCsrSignature({ ...csr, der: Uint8Array.of(1, 2, 3) })).toBe(false);
  });
});

describe('parseCsr refuses malformed input with coded errors', () => {
  it.each<[string, () => string | Uint8Array, PkcsErrorCode]>([
    ['empty string', () => '', 'PKCS_ERR_PEM_EMPTY'],
    ['a CERTIFICATE block', () => encodePem(Uint8Array.of(0x30, 0), 'CERTIFICATE'), 'PKCS_ERR_PEM_LABEL'],
    ['two request blocks', () => encodePem(Uint8Array.of(0x30, 0), 'CERTIFICATE REQUEST').repeat(2), 'PKCS_ERR_PEM_MULTIPLE'],
    ['an empty SEQUENCE', () => Uint8Array.of(0x30, 0), 'PKCS_ERR_CSR_INVALID'],
    ['random bytes', () => Uint8Array.of(1, 2, 3, 4), 'PKCS_ERR_CSR_INVALID'],
    ['trailing bytes after the request', () => Uint8Array.of(0x30, 0, 0), 'PKCS_ERR_CSR_INVALID'],
  ])('%s', (_name, input, code) => {
    expect(codeOf(() => parseCsr(input()))).toBe(code);
  });

  it('refuses version 2 requests', async () => {
    const keys = await ecKeys;
    const info = derSequence(derSmallInteger(1), encodeName(commonNameInput('x')), await exportSpki(keys), derTlv(0xa0));
    expect(codeOf(() => parseCsr(new Uint8Array(0)))).toBe('PKCS_ERR_CSR_INVALID');
    const der = await signInfo(info, keys);
    expect(codeOf(() => parseCsr(der))).toBe('PKCS_ERR_CSR_INVALID');
  });

  it('refuses an extensionRequest whose value is not a SEQUENCE of extensions', async () => {
    const keys = await ecKeys;
    const bad = derSequence(derOid(OID.extensionRequest), derTlv(0x31, Uint8Array.of(0x04, 0x00)));
    const info = derSequence(derSmallInteger(0), encodeName(commonNameInput('x')), await exportSpki(keys), derTlv(0xa0, bad));
    const der = await signInfo(info, keys);
    expect(codeOf(() => parseCsr(der))).toBe('PKCS_ERR_CSR_INVALID');
  });
});

describe('parseCsr input ownership', () => {
  it('copies a Node Buffer input into a plain Uint8Array that later writes to the Buffer cannot change', async () => {
    const built = await createCsr({ subject: commonNameInput('owned'), keys: await ecKeys });
    const buf = Buffer.from(built.der);
    const csr = parseCsr(buf);
    buf.fill(0);
    expect(Object.getPrototypeOf(csr.der)).toBe(Uint8Array.prototype);
    expect(csr.der).toEqual(built.der);
    expect(await verifyCsrSignature(csr)).toBe(true);
  });
});
