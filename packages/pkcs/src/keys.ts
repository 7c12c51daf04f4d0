import { AsnParser } from '@peculiar/asn1-schema';
import { ECPrivateKey } from '@peculiar/asn1-ecc';
import { PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { decodeOid, derNull, derOctetString, derOid, derSequence, derSmallInteger, readChildren, readSingle, toArrayBuffer, tlvContent } from './der.js';
import { PkcsError, withCode, withCodeAsync } from './errors.js';
import { decodePemBlocks, encodePem } from './pem.js';

/** What kind of key: ECDSA on P-256/P-384, or RSA (PKCS#1 v1.5 signatures, SHA-256) of `bits`. */
export type KeySpec = { kind: 'ecdsa'; curve: 'P-256' | 'P-384' } | { kind: 'rsa'; bits: number };

/** The default key: ECDSA P-256. */
export const DEFAULT_KEY_SPEC: KeySpec = Object.freeze({ kind: 'ecdsa', curve: 'P-256' }) as KeySpec;

/** A WebCrypto key pair plus the spec it was made from. The private key is extractable (for PEM export). */
export interface KeyPair {
  readonly spec: KeySpec;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

/** What an SPKI holds: a supported spec, or `unsupported` with the algorithm OID (and a detail such as the curve OID). */
export type PublicKeyInfo = KeySpec | { kind: 'unsupported'; algorithm: string; detail?: string };

/** @internal OIDs used for keys. */
export const KEY_OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
} as const;

const CURVE_BY_OID: Record<string, 'P-256' | 'P-384'> = { [KEY_OID.p256]: 'P-256', [KEY_OID.p384]: 'P-384' };
const OID_BY_CURVE = { 'P-256': KEY_OID.p256, 'P-384': KEY_OID.p384 } as const;

/** Minimum RSA size {@link generateKeyPair} accepts. */
export const MIN_RSA_BITS = 2048;

/**
 * Generates an extractable key pair (default {@link DEFAULT_KEY_SPEC}). RSA below 2048 bits or
 * above 8192, or not a multiple of 8: PKCS_ERR_KEY_UNSUPPORTED.
 */
export async function generateKeyPair(spec: KeySpec = DEFAULT_KEY_SPEC, crypto: Crypto = globalThis.crypto): Promise<KeyPair> {
  if (spec.kind === 'rsa' && (spec.bits < MIN_RSA_BITS)) {
    throw new PkcsError('PKCS_ERR_KEY_UNSUPPORTED', `RSA keys must be at least ${MIN_RSA_BITS} bits (asked for ${spec.bits})`);
  }
  return generateKeyPairUnchecked(spec, crypto);
}

/** @internal Key generation without the size floor (test fixtures need weak RSA). */
export async function generateKeyPairUnchecked(spec: KeySpec, crypto: Crypto = globalThis.crypto): Promise<KeyPair> {
  const params = algorithmFor(spec);
  const pair = (await withCodeAsync('PKCS_ERR_KEY_UNSUPPORTED', 'key generation failed', () =>
    crypto.subtle.generateKey(params, true, ['sign', 'verify']),
  )) as CryptoKeyPair;
  return Object.freeze({ spec: Object.freeze({ ...spec }), privateKey: pair.privateKey, publicKey: pair.publicKey });
}

function algorithmFor(spec: KeySpec): EcKeyGenParams | RsaHashedKeyGenParams {
  if (spec.kind === 'ecdsa') {
    if (spec.curve !== 'P-256' && spec.curve !== 'P-384') throw new PkcsError('PKCS_ERR_KEY_UNSUPPORTED', `unsupported curve ${String(spec.curve)}`);
    return { name: 'ECDSA', namedCurve: spec.curve };
  }
  if (spec.kind === 'rsa') {
    if (!Number.isInteger(spec.bits) || spec.bits < 512 || spec.bits > 8192 || spec.bits % 8 !== 0) {
      throw new PkcsError('PKCS_ERR_KEY_UNSUPPORTED', `unsupported RSA size ${spec.bits}`);
    }
    return { name: 'RSASSA-PKCS1-v1_5', modulusLength: spec.bits, publicExponent: Uint8Array.of(1, 0, 1), hash: 'SHA-256' };
  }
  throw new PkcsError('PKCS_ERR_KEY_UNSUPPORTED', `unsupported key kind ${String((spec as { kind: unknown }).kind)}`);
}

/** Exports the private key as an unencrypted PKCS#8 "PRIVATE KEY" PEM. */
export async function exportPrivateKeyPem(keys: KeyPair, crypto: Crypto = globalThis.crypto): Promise<string> {
  const der = await withCodeAsync('PKCS_ERR_KEY_INVALID', 'private key export failed', () => crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return encodePem(new Uint8Array(der), 'PRIVATE KEY');
}

/** Exports the public key as DER SubjectPublicKeyInfo. */
export async function exportSpki(keys: KeyPair, crypto: Crypto = globalThis.crypto): Promise<Uint8Array> {
  const der = await withCodeAsync('PKCS_ERR_KEY_INVALID', 'public key export failed', () => crypto.subtle.exportKey('spki', keys.publicKey));
  return new Uint8Array(der);
}

/**
 * Imports one private key PEM (a SEC1 key may be preceded by openssl's "EC PARAMETERS" block): PKCS#8 "PRIVATE KEY", SEC1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY",
 * and derives the public key. Other labels: PKCS_ERR_PEM_LABEL (encrypted keys: PKCS_ERR_KEY_UNSUPPORTED);
 * unsupported algorithms/curves: PKCS_ERR_KEY_UNSUPPORTED; broken structures: PKCS_ERR_KEY_INVALID.
 * RSA keys of any size are imported (policy decides what is acceptable). Error messages never contain key bytes.
 */
export async function importPrivateKeyPem(pem: string, crypto: Crypto = globalThis.crypto): Promise<KeyPair> {
  // `openssl ecparam -genkey` writes an "EC PARAMETERS" block before the key; it carries nothing secret or
  // ambiguous (the key names its own curve), so it is tolerated. Any other extra block is refused.
  const blocks = decodePemBlocks(pem).filter((b, _i, all) => !(b.label === 'EC PARAMETERS' && all.some((o) => o.label === 'EC PRIVATE KEY')));
  if (blocks.length > 1) throw new PkcsError('PKCS_ERR_PEM_MULTIPLE', `expected one private key block, found ${blocks.length}`);
  const block = blocks[0]!;
  let pkcs8: Uint8Array;
  switch (block.label) {
    case 'PRIVATE KEY':
      pkcs8 = block.der;
      break;
    case 'EC PRIVATE KEY':
      pkcs8 = sec1ToPkcs8(block.der);
      break;
    case 'RSA PRIVATE KEY':
      withCode('PKCS_ERR_KEY_INVALID', 'invalid PKCS#1 private key', () => readSingle(block.der));
      pkcs8 = derSequence(derSmallInteger(0), derSequence(derOid(KEY_OID.rsaEncryption), derNull()), derOctetString(block.der));
      break;
    case 'ENCRYPTED PRIVATE KEY':
      throw new PkcsError('PKCS_ERR_KEY_UNSUPPORTED', 'encrypted private keys are not supported');
    default:
      throw new PkcsError('PKCS_ERR_PEM_LABEL', `expected a private key block, found ${block.label}`);
  }
  return importPkcs8(pkcs8, crypto);
}

function sec1ToPkcs8(der: Uint8Array): Uint8Array {
  return withCode('PKCS_ERR_KEY_INVALID', 'invalid SEC1 EC private key', () => {
    readSingle(der);
    const ec = AsnParser.parse(der, ECPrivateKey);
    const curve = ec.parameters?.namedCurve;
    if (!curve) throw new PkcsError('PKCS_ERR_KEY_UNSUPPORTED', 'SEC1 key without a named curve');
    if (!CURVE_BY_OID[curve]) throw new PkcsError('PKCS_ERR_KEY_UNSUPPORTED', `unsupported curve ${curve}`);
    return derSequence(derSmallInteger(0), derSequence(derOid(KEY_OID.ecPublicKey), derOid(curve)), derOctetString(der));
  });
}

async function importPkcs8(der: Uint8Array, crypto: Crypto): Promise<KeyPair> {
  const { algorithm, curveOid } = withCode('PKCS_ERR_KEY_INVALID', 'invalid PKCS#8 private key', () => {
    readSingle(der);
    const info = AsnParser.parse(der, PrivateKeyInfo);
    const alg = info.privateKeyAlgorithm.algorithm;
    let curve: string | undefined;
    if (alg === KEY_OID.ecPublicKey) {
      const params = info.privateKeyAlgorithm.parameters;
      if (!params) throw new PkcsError('PKCS_ERR_KEY_INVALID', 'EC key without curve parameters');
      const p = new Uint8Array(params);
      const tlv = readSingle(p);
      if (tlv.tag !== 0x06) throw new PkcsError('PKCS_ERR_KEY_UNSUPPORTED', 'EC key with explicit curve parameters');
      curve = decodeOid(tlvContent(p, tlv));
    }
    return { algorithm: alg, curveOid: curve };
  });
  let spec: KeySpec;
  let importParams: EcKeyImportParams | RsaHashedImportParams;
  if (algorithm === KEY_OID.ecPublicKey) {
    const curve = curveOid ? CURVE_BY_OID[curveOid] : undefined;
    if (!curve) throw new PkcsError('PKCS_ERR_KEY_UNSUPPORTED', `unsupported EC curve ${curveOid ?? '(none)'}`);
    spec = { kind: 'ecdsa', curve };
    importParams = { name: 'ECDSA', namedCurve: curve };
  } else if (algorithm === KEY_OID.rsaEncryption) {
    importParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    spec = { kind: 'rsa', bits: 0 };
  } else {
    throw new PkcsError('PKCS_ERR_KEY_UNSUPPORTED', `unsupported private key algorithm ${algorithm}`);
  }
  const privateKey = await withCodeAsync('PKCS_ERR_KEY_INVALID', 'private key import failed', () =>
    crypto.subtle.importKey('pkcs8', toArrayBuffer(der), importParams, true, ['sign']),
  );
  const jwk = await withCodeAsync('PKCS_ERR_KEY_INVALID', 'private key export failed', () => crypto.subtle.exportKey('jwk', privateKey));
  const publicJwk: JsonWebKey =
    spec.kind === 'ecdsa' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, ext: true } : { kty: jwk.kty, n: jwk.n, e: jwk.e, alg: jwk.alg, ext: true };
  const publicKey = await withCodeAsync('PKCS_ERR_KEY_INVALID', 'public key derivation failed', () =>
    crypto.subtle.importKey('jwk', publicJwk, importParams, true, ['verify']),
  );
  if (spec.kind === 'rsa') spec = { kind: 'rsa', bits: (privateKey.algorithm as RsaHashedKeyAlgorithm).modulusLength };
  return Object.freeze({ spec: Object.freeze(spec), privateKey, publicKey });
}

/**
 * Describes a DER SubjectPublicKeyInfo by pure ASN.1 inspection (RSA bits from the modulus).
 * Unknown algorithms or curves come back as `unsupported`; malformed DER is PKCS_ERR_KEY_INVALID.
 */
export function describeSpki(spki: Uint8Array): PublicKeyInfo {
  // Hand-rolled DER walk (not AsnParser): this runs for every CSR the approver sees and every certificate parsed.
  return withCode('PKCS_ERR_KEY_INVALID', 'invalid SubjectPublicKeyInfo', () => {
    const bad = (why: string) => new PkcsError('PKCS_ERR_KEY_INVALID', `invalid SubjectPublicKeyInfo: ${why}`);
    if (!(spki instanceof Uint8Array)) throw bad('SPKI must be bytes');
    const outer = readSingle(spki);
    if (outer.tag !== 0x30) throw bad('not a SEQUENCE');
    const top = readChildren(spki, outer);
    if (top.length !== 2 || top[0]!.tag !== 0x30 || top[1]!.tag !== 0x03) throw bad('expected {AlgorithmIdentifier, BIT STRING}');
    const algParts = readChildren(spki, top[0]!);
    if (algParts.length < 1 || algParts.length > 2 || algParts[0]!.tag !== 0x06) throw bad('malformed AlgorithmIdentifier');
    const alg = decodeOid(tlvContent(spki, algParts[0]!));
    const bits = top[1]!;
    if (bits.end - bits.contentStart < 1 || spki[bits.contentStart] !== 0) throw bad('public key is not a whole-byte BIT STRING');
    const params = algParts[1];
    if (alg === KEY_OID.ecPublicKey) {
      if (!params) return { kind: 'unsupported', algorithm: alg, detail: 'no curve parameters' };
      if (params.tag !== 0x06) return { kind: 'unsupported', algorithm: alg, detail: 'explicit curve parameters' };
      const curveOid = decodeOid(tlvContent(spki, params));
      const curve = CURVE_BY_OID[curveOid];
      return curve ? { kind: 'ecdsa', curve } : { kind: 'unsupported', algorithm: alg, detail: curveOid };
    }
    if (alg === KEY_OID.rsaEncryption) {
      const keyBytes = spki.subarray(bits.contentStart + 1, bits.end);
      const seq = readSingle(keyBytes);
      if (seq.tag !== 0x30) throw bad('RSAPublicKey is not a SEQUENCE');
      const ints = readChildren(keyBytes, seq);
      if (ints.length !== 2 || ints[0]!.tag !== 0x02 || ints[1]!.tag !== 0x02) throw bad('RSAPublicKey is not {modulus, exponent}');
      const modulus = keyBytes.subarray(ints[0]!.contentStart, ints[0]!.end);
      if (modulus.length === 0 || (modulus[0]! & 0x80) !== 0) throw bad('RSA modulus is not positive');
      return { kind: 'rsa', bits: unsignedBitLength(modulus) };
    }
    return { kind: 'unsupported', algorithm: alg };
  });
}

/** Largest RSA modulus (bits) whose signatures are checked; bigger keys are refused before any arithmetic. */
export const MAX_RSA_VERIFY_BITS = 8192;
/** Largest RSA public exponent accepted for verification (Go's crypto/rsa limit, 2^31-1). */
export const MAX_RSA_EXPONENT = 2 ** 31 - 1;

/**
 * @internal Why an RSA SPKI must not be used to verify anything (attacker-chosen keys cost CPU), or
 * undefined when it is fine or not RSA: modulus above {@link MAX_RSA_VERIFY_BITS} bits, or a public
 * exponent outside [3, {@link MAX_RSA_EXPONENT}] or even. Never throws.
 */
export function rsaVerifyKeyProblem(spki: Uint8Array): string | undefined {
  try {
    const info = describeSpki(spki);
    if (info.kind !== 'rsa') return undefined;
    if (info.bits > MAX_RSA_VERIFY_BITS) return `RSA modulus of ${info.bits} bits exceeds ${MAX_RSA_VERIFY_BITS}`;
    const outer = readSingle(spki);
    const bitString = readChildren(spki, outer)[1]!;
    const keyBytes = spki.subarray(bitString.contentStart + 1, bitString.end);
    const exponent = tlvContent(keyBytes, readChildren(keyBytes, readSingle(keyBytes))[1]!);
    if (exponent.length === 0 || (exponent[0]! & 0x80) !== 0) return 'RSA exponent is not positive';
    let i = 0;
    while (i < exponent.length - 1 && exponent[i] === 0) i++;
    if (exponent.length - i > 4) return 'RSA exponent exceeds 2^31-1';
    let e = 0;
    for (; i < exponent.length; i++) e = e * 256 + exponent[i]!;
    if (e < 3 || e > MAX_RSA_EXPONENT || e % 2 === 0) return `RSA exponent ${e} is outside the odd range [3, 2^31-1]`;
    return undefined;
  } catch {
    return 'unreadable RSA key';
  }
}

/** @internal DER-encoded namedCurve OID for a curve. */
export function curveOid(curve: 'P-256' | 'P-384'): string {
  return OID_BY_CURVE[curve];
}

function unsignedBitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}
