import { decodeOid, derBitString, derOid, derSequence, derSmallInteger, derTlv, readChildren, readSingle, tlvBytes, tlvContent } from './der.js';
import { PkcsError, withCode } from './errors.js';
import { decodeExtensionsAt, encodeExtension, OID } from './extensions.js';
import type { ExtensionInput, RawExtension } from './extensions.js';
import { describeSpki, exportSpki } from './keys.js';
import type { KeyPair, PublicKeyInfo } from './keys.js';
import { decodeNameAt, subjectDer } from './names.js';
import type { DistinguishedName, NameInput } from './names.js';
import { decodePemBlocks, freezeWithLazyPem } from './pem.js';
import { readAlgorithmIdentifier, readSignatureBits } from './signed-parts.js';
import { signatureSupportProblem, signTbs, verifySigned } from './signature.js';
import type { SignedParts } from './signature.js';

/** One CSR attribute exactly as encoded: its OID and the DER of each value. */
export interface CsrAttribute {
  readonly oid: string;
  readonly values: readonly Uint8Array[];
}

/** A parsed PKCS#10 request; immutable; parse once and keep it. */
export interface ParsedCsr {
  /** Canonical PEM ("CERTIFICATE REQUEST") of `der`. */
  readonly pem: string;
  readonly der: Uint8Array;
  readonly subject: DistinguishedName;
  readonly publicKey: PublicKeyInfo;
  /** DER SubjectPublicKeyInfo exactly as in the request. */
  readonly spki: Uint8Array;
  readonly attributes: readonly CsrAttribute[];
  /** How many extensionRequest attributes there were (more than one is suspicious). */
  readonly extensionRequestCount: number;
  /** All requested extensions from all extensionRequest attributes (and all their values), duplicates kept. */
  readonly extensions: readonly RawExtension[];
  /** Signature algorithm OID. */
  readonly signatureAlgorithm: string;
}

const signedParts = new WeakMap<ParsedCsr, SignedParts>();

const CSR_LABELS = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

/**
 * Parses a CSR from PEM (exactly one "CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST" block, nothing else)
 * or DER. Everything is kept: every RDN, every attribute, every requested extension (undecodable ones
 * carry `decodeError`). Structural problems: PKCS_ERR_CSR_INVALID (PEM problems keep their PEM codes).
 * The signature is not checked here: see {@link verifyCsrSignature}.
 */
export function parseCsr(input: string | Uint8Array): ParsedCsr {
  let der: Uint8Array;
  if (typeof input === 'string') {
    const blocks = decodePemBlocks(input);
    if (blocks.length > 1) throw new PkcsError('PKCS_ERR_PEM_MULTIPLE', `expected one CERTIFICATE REQUEST block, found ${blocks.length}`);
    if (!CSR_LABELS.has(blocks[0]!.label)) throw new PkcsError('PKCS_ERR_PEM_LABEL', `expected a CERTIFICATE REQUEST block, found ${blocks[0]!.label}`);
    der = blocks[0]!.der;
  } else if (input instanceof Uint8Array) {
    der = new Uint8Array(input); // a private plain copy (Buffer.slice would be a shared view)
  } else {
    throw new PkcsError('PKCS_ERR_CSR_INVALID', 'CSR input must be a string or bytes');
  }
  return withCode('PKCS_ERR_CSR_INVALID', 'invalid certificate request', () => parseCsrDer(der));
}

function parseCsrDer(der: Uint8Array): ParsedCsr {
  const bad = (why: string) => new PkcsError('PKCS_ERR_CSR_INVALID', `invalid certificate request: ${why}`);
  const outer = readSingle(der);
  if (outer.tag !== 0x30) throw bad('not a SEQUENCE');
  const top = readChildren(der, outer);
  if (top.length !== 3) throw bad('expected {info, algorithm, signature}');
  const [infoTlv, algTlv, sigTlv] = top as [typeof outer, typeof outer, typeof outer];
  if (infoTlv.tag !== 0x30) throw bad('certificationRequestInfo is not a SEQUENCE');
  const info = readChildren(der, infoTlv);
  if (info.length < 3 || info.length > 4) throw bad('certificationRequestInfo has the wrong number of fields');
  const [versionTlv, subjectTlv, spkiTlv, attrsTlv] = info as [typeof outer, typeof outer, typeof outer, typeof outer | undefined];
  if (versionTlv.tag !== 0x02 || versionTlv.end - versionTlv.contentStart !== 1 || der[versionTlv.contentStart] !== 0) throw bad('version is not v1(0)');
  const subject = decodeNameAt(der, subjectTlv);
  if (spkiTlv.tag !== 0x30) throw bad('subjectPKInfo is not a SEQUENCE');
  const spki = tlvBytes(der, spkiTlv);
  const publicKey = describeSpki(spki);

  const attributes: CsrAttribute[] = [];
  const extensions: RawExtension[] = [];
  let extensionRequestCount = 0;
  if (attrsTlv) {
    if (attrsTlv.tag !== 0xa0) throw bad('attributes are not [0] IMPLICIT SET');
    for (const attr of readChildren(der, attrsTlv)) {
      if (attr.tag !== 0x30) throw bad('attribute is not a SEQUENCE');
      const parts = readChildren(der, attr);
      if (parts.length !== 2 || parts[0]!.tag !== 0x06 || parts[1]!.tag !== 0x31) throw bad('attribute is not {OID, SET}');
      const oid = decodeOid(tlvContent(der, parts[0]!));
      const valueTlvs = readChildren(der, parts[1]!);
      attributes.push(Object.freeze({ oid, values: Object.freeze(valueTlvs.map((v) => tlvBytes(der, v))) }));
      if (oid === OID.extensionRequest) {
        extensionRequestCount++;
        if (valueTlvs.length === 0) throw bad('extensionRequest without a value');
        for (const v of valueTlvs) extensions.push(...decodeExtensionsAt(der, v));
      }
    }
  }
  const { algorithm, parameters } = readAlgorithmIdentifier(der, algTlv, 'PKCS_ERR_CSR_INVALID');
  const signature = readSignatureBits(der, sigTlv, 'PKCS_ERR_CSR_INVALID');
  const csr = freezeWithLazyPem<ParsedCsr>({
    der,
    subject,
    publicKey,
    spki,
    attributes: Object.freeze(attributes),
    extensionRequestCount,
    extensions: Object.freeze(extensions),
    signatureAlgorithm: algorithm,
  }, der, 'CERTIFICATE REQUEST');
  signedParts.set(csr, { tbs: tlvBytes(der, infoTlv), algorithm, parameters, signature });
  return csr;
}

/**
 * Verifies the CSR's self-signature with its own public key. False (never throws) on a bad,
 * malformed or unsupported signature (supported: ECDSA P-256/P-384 and RSA PKCS#1 v1.5 with SHA-2).
 */
export async function verifyCsrSignature(csr: ParsedCsr, crypto: Crypto = globalThis.crypto): Promise<boolean> {
  let parts = signedParts.get(csr);
  if (!parts) {
    try {
      const reparsed = parseCsr(csr.der);
      parts = signedParts.get(reparsed);
    } catch {
      return false;
    }
  }
  if (!parts) return false;
  return verifySigned(csr.spki, parts, crypto);
}

/** The outcome of {@link checkCsrSignature}: checked and good, checked and bad, or not checkable (and why). */
export type CsrSignatureVerdict =
  | { readonly verdict: 'valid' }
  | { readonly verdict: 'invalid' }
  | { readonly verdict: 'unsupported'; readonly detail: string };

/**
 * Checks the CSR's self-signature and says which of three things is true: it verifies, it does not, or it
 * could not be checked (unsupported algorithm or key, e.g. Ed25519, or an RSA key outside the bounds).
 * Never throws.
 */
export async function checkCsrSignature(csr: ParsedCsr, crypto: Crypto = globalThis.crypto): Promise<CsrSignatureVerdict> {
  let parts = signedParts.get(csr);
  if (!parts) {
    try {
      parts = signedParts.get(parseCsr(csr.der));
    } catch {
      return { verdict: 'invalid' };
    }
  }
  if (!parts) return { verdict: 'invalid' };
  const problem = signatureSupportProblem(csr.spki, parts.algorithm);
  if (problem !== undefined) return { verdict: 'unsupported', detail: problem };
  return (await verifySigned(csr.spki, parts, crypto)) ? { verdict: 'valid' } : { verdict: 'invalid' };
}

/**
 * Builds and signs a CSR for `keys` with `subject` (NameInput, or a raw DER Name used as-is) and, when given, one extensionRequest attribute
 * holding `extensions` (no attributes otherwise). Returns it parsed.
 */
export async function createCsr(
  options: { subject: NameInput | Uint8Array; keys: KeyPair; extensions?: readonly ExtensionInput[] },
  crypto: Crypto = globalThis.crypto,
): Promise<ParsedCsr> {
  const subject = withCode('PKCS_ERR_NAME_INVALID', 'invalid subject', () => subjectDer(options.subject));
  const spki = await exportSpki(options.keys, crypto);
  const exts = options.extensions ?? [];
  const attrs =
    exts.length > 0
      ? [derSequence(derOid(OID.extensionRequest), derTlv(0x31, derSequence(...exts.map(encodeExtension))))]
      : [];
  const info = derSequence(derSmallInteger(0), subject, spki, derTlv(0xa0, ...attrs));
  const { algorithmId, signature } = await signTbs(options.keys.privateKey, info, crypto);
  return parseCsr(derSequence(info, algorithmId, derBitString(signature)));
}
