// @internal Signature algorithms: choose one for a private key, sign, and verify against an SPKI.
import { bytesEqual, concatBytes, derNull, derOid, derSequence, derUnsignedInteger, readChildren, readSingle, toArrayBuffer } from './der.js';
import { PkcsError } from './errors.js';
import { describeSpki, rsaVerifyKeyProblem } from './keys.js';

/** Signature algorithm OIDs this package creates and verifies. */
export const SIG_OID = {
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  rsaSha256: '1.2.840.113549.1.1.11',
  rsaSha384: '1.2.840.113549.1.1.12',
  rsaSha512: '1.2.840.113549.1.1.13',
} as const;

const VERIFY: Record<string, { kind: 'ecdsa' | 'rsa'; hash: string }> = {
  [SIG_OID.ecdsaSha256]: { kind: 'ecdsa', hash: 'SHA-256' },
  [SIG_OID.ecdsaSha384]: { kind: 'ecdsa', hash: 'SHA-384' },
  [SIG_OID.ecdsaSha512]: { kind: 'ecdsa', hash: 'SHA-512' },
  [SIG_OID.rsaSha256]: { kind: 'rsa', hash: 'SHA-256' },
  [SIG_OID.rsaSha384]: { kind: 'rsa', hash: 'SHA-384' },
  [SIG_OID.rsaSha512]: { kind: 'rsa', hash: 'SHA-512' },
};

/** The signature inputs kept from a parsed object. */
export interface SignedParts {
  readonly tbs: Uint8Array;
  readonly algorithm: string;
  /** DER of the AlgorithmIdentifier parameters, undefined when absent. */
  readonly parameters: Uint8Array | undefined;
  readonly signature: Uint8Array;
}

/** The signature algorithm used for a private key: ECDSA with the curve's hash, or RSA PKCS#1 v1.5 with the key's hash. */
export function signatureAlgorithmFor(privateKey: CryptoKey): { algorithmId: Uint8Array; kind: 'ecdsa' | 'rsa'; hash: string } {
  const alg = privateKey.algorithm as EcKeyAlgorithm & RsaHashedKeyAlgorithm;
  if (alg.name === 'ECDSA') {
    const hash = alg.namedCurve === 'P-384' ? 'SHA-384' : alg.namedCurve === 'P-521' ? 'SHA-512' : 'SHA-256';
    const oid = hash === 'SHA-384' ? SIG_OID.ecdsaSha384 : hash === 'SHA-512' ? SIG_OID.ecdsaSha512 : SIG_OID.ecdsaSha256;
    return { algorithmId: derSequence(derOid(oid)), kind: 'ecdsa', hash };
  }
  if (alg.name === 'RSASSA-PKCS1-v1_5') {
    const hash = alg.hash.name;
    const oid = hash === 'SHA-384' ? SIG_OID.rsaSha384 : hash === 'SHA-512' ? SIG_OID.rsaSha512 : hash === 'SHA-256' ? SIG_OID.rsaSha256 : undefined;
    if (!oid) throw new PkcsError('PKCS_ERR_KEY_UNSUPPORTED', `unsupported RSA hash ${hash}`);
    return { algorithmId: derSequence(derOid(oid), derNull()), kind: 'rsa', hash };
  }
  throw new PkcsError('PKCS_ERR_KEY_UNSUPPORTED', `unsupported signing key algorithm ${alg.name}`);
}

/** Signs `tbs` with `privateKey`; returns the DER AlgorithmIdentifier and the signature bytes (ECDSA in DER form). */
export async function signTbs(privateKey: CryptoKey, tbs: Uint8Array, crypto: Crypto): Promise<{ algorithmId: Uint8Array; signature: Uint8Array }> {
  const choice = signatureAlgorithmFor(privateKey);
  try {
    if (choice.kind === 'ecdsa') {
      const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: choice.hash }, privateKey, toArrayBuffer(tbs)));
      const half = raw.length / 2;
      const sig = derSequence(derUnsignedInteger(raw.subarray(0, half)), derUnsignedInteger(raw.subarray(half)));
      return { algorithmId: choice.algorithmId, signature: sig };
    }
    const sig = new Uint8Array(await crypto.subtle.sign({ name: 'RSASSA-PKCS1-v1_5' }, privateKey, toArrayBuffer(tbs)));
    return { algorithmId: choice.algorithmId, signature: sig };
  } catch (e) {
    throw new PkcsError('PKCS_ERR_KEY_INVALID', `signing failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Imports an SPKI for verifying signatures of `algorithm`; undefined when unsupported or invalid. */
export async function importVerifyKey(spki: Uint8Array, algorithm: string, crypto: Crypto): Promise<CryptoKey | undefined> {
  const v = VERIFY[algorithm];
  if (!v) return undefined;
  let info;
  try {
    info = describeSpki(spki);
  } catch {
    return undefined;
  }
  // Bound the work an attacker-chosen key can cause before WebCrypto does any arithmetic.
  if (info.kind === 'rsa' && rsaVerifyKeyProblem(spki) !== undefined) return undefined;
  try {
    if (v.kind === 'ecdsa' && info.kind === 'ecdsa') {
      return await crypto.subtle.importKey('spki', toArrayBuffer(spki), { name: 'ECDSA', namedCurve: info.curve }, false, ['verify']);
    }
    if (v.kind === 'rsa' && info.kind === 'rsa') {
      return await crypto.subtle.importKey('spki', toArrayBuffer(spki), { name: 'RSASSA-PKCS1-v1_5', hash: v.hash }, false, ['verify']);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Why a signature by `spki` with `algorithm` cannot be checked at all (unsupported algorithm, key type or
 * curve, key/algorithm mismatch, or an RSA key outside the verification bounds), or undefined when it can.
 * Lets callers tell "does not verify" from "was not checked" (a denial must state only true reasons).
 */
export function signatureSupportProblem(spki: Uint8Array, algorithm: string): string | undefined {
  const v = VERIFY[algorithm];
  if (!v) return `signature algorithm ${algorithm} is not supported (ECDSA and RSA PKCS#1 v1.5 with SHA-2 only)`;
  let info;
  try {
    info = describeSpki(spki);
  } catch {
    return 'the public key cannot be read';
  }
  if (info.kind === 'unsupported') return `public key algorithm ${info.algorithm}${info.detail ? ` (${info.detail})` : ''} is not supported`;
  if (info.kind !== v.kind) return `a ${info.kind} key cannot make a ${v.kind} signature (${algorithm})`;
  return info.kind === 'rsa' ? rsaVerifyKeyProblem(spki) : undefined;
}

/** Verifies signed parts with an imported key; false (never throws) on any failure. */
export async function verifyWithKey(key: CryptoKey, parts: SignedParts, crypto: Crypto): Promise<boolean> {
  const v = VERIFY[parts.algorithm];
  if (!v) return false;
  try {
    if (v.kind === 'ecdsa') {
      if (parts.parameters !== undefined) return false;
      const size = (key.algorithm as EcKeyAlgorithm).namedCurve === 'P-384' ? 48 : 32;
      const raw = ecdsaDerToRaw(parts.signature, size);
      if (!raw) return false;
      return await crypto.subtle.verify({ name: 'ECDSA', hash: v.hash }, key, toArrayBuffer(raw), toArrayBuffer(parts.tbs));
    }
    if (parts.parameters !== undefined && !bytesEqual(parts.parameters, derNull())) return false;
    if ((key.algorithm as RsaHashedKeyAlgorithm).hash.name !== v.hash) return false;
    return await crypto.subtle.verify({ name: 'RSASSA-PKCS1-v1_5' }, key, toArrayBuffer(parts.signature), toArrayBuffer(parts.tbs));
  } catch {
    return false;
  }
}

/** Verifies signed parts against an SPKI; false (never throws) on bad or unsupported signatures. */
export async function verifySigned(spki: Uint8Array, parts: SignedParts, crypto: Crypto): Promise<boolean> {
  const key = await importVerifyKey(spki, parts.algorithm, crypto);
  return key ? verifyWithKey(key, parts, crypto) : false;
}

function ecdsaDerToRaw(sig: Uint8Array, size: number): Uint8Array | undefined {
  try {
    const seq = readSingle(sig);
    if (seq.tag !== 0x30) return undefined;
    const ints = readChildren(sig, seq);
    if (ints.length !== 2) return undefined;
    const parts = ints.map((t) => {
      if (t.tag !== 0x02) throw new Error('not an INTEGER');
      let c = sig.subarray(t.contentStart, t.end);
      if (c.length === 0 || (c[0]! & 0x80) !== 0) throw new Error('negative or empty INTEGER');
      if (c.length > 1 && c[0] === 0 && (c[1]! & 0x80) === 0) throw new Error('non-minimal INTEGER');
      if (c[0] === 0) c = c.subarray(1);
      if (c.length > size) throw new Error('INTEGER too large');
      return concatBytes(new Uint8Array(size - c.length), c);
    });
    return concatBytes(parts[0]!, parts[1]!);
  } catch {
    return undefined;
  }
}
