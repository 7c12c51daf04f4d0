import {
  bytesEqual, derBitString, derOctetString, derSequence, derSmallInteger, derTime, derTlv, derUnsignedInteger,
  fromHex, readChildren, readSingle, tlvBytes, tlvContent, toArrayBuffer, toHex,
} from './der.js';
import type { Tlv } from './der.js';
import { PkcsError, withCode, withCodeAsync } from './errors.js';
import {
  basicConstraintsExtension, decodeExtensionsAt, encodeExtension, extendedKeyUsageExtension, keyUsageExtension, OID, subjectAltNameExtension,
} from './extensions.js';
import type { ExtensionInput, GeneralName, KeyUsageName, RawExtension } from './extensions.js';
import { describeSpki, exportSpki } from './keys.js';
import type { KeyPair, PublicKeyInfo } from './keys.js';
import { decodeNameAt, isGoString, subjectDer } from './names.js';
import type { DistinguishedName, NameInput } from './names.js';
import { decodePemBlocks, freezeWithLazyPem } from './pem.js';
import { readAlgorithmIdentifier, readSignatureBits } from './signed-parts.js';
import { signatureAlgorithmFor, signTbs } from './signature.js';
import type { SignedParts } from './signature.js';

/** A parsed X.509 certificate; immutable; parse once and keep it. */
export interface ParsedCertificate {
  /** Canonical PEM ("CERTIFICATE") of `der`. */
  readonly pem: string;
  readonly der: Uint8Array;
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  /** Exact DER of the subject Name (what issuer matching compares). */
  readonly subjectDer: Uint8Array;
  /** Exact DER of the issuer Name. */
  readonly issuerDer: Uint8Array;
  /** Serial number as lower-case hex of its magnitude (no sign padding). */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: PublicKeyInfo;
  /** Exact DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  readonly extensions: readonly RawExtension[];
  /** Signature algorithm OID (outer). */
  readonly signatureAlgorithm: string;
  /** From the basicConstraints extension; undefined when absent or undecodable. */
  readonly basicConstraints: { ca: boolean; pathLength: number | undefined } | undefined;
  /** From the keyUsage extension; undefined when absent or undecodable. */
  readonly keyUsage: readonly KeyUsageName[] | undefined;
  /** From the extKeyUsage extension (OIDs); undefined when absent or undecodable. */
  readonly extendedKeyUsage: readonly string[] | undefined;
}

/** @internal What chain verification needs beyond the public fields. */
export interface CertificateInternals {
  readonly signed: SignedParts;
  /** True when the inner (TBS) and outer signature AlgorithmIdentifiers are byte-identical. */
  readonly algorithmsAgree: boolean;
  readonly version: number;
}

const internals = new WeakMap<ParsedCertificate, CertificateInternals>();

/** @internal The signature inputs of a parsed certificate (re-parses objects not made here). */
export function certificateInternals(cert: ParsedCertificate): CertificateInternals {
  const known = internals.get(cert);
  if (known) return known;
  const reparsed = parseCertificate(cert.der);
  return internals.get(reparsed)!;
}

/**
 * Parses exactly one certificate: PEM with one "CERTIFICATE" block and nothing else, or DER.
 * Structural problems: PKCS_ERR_CERT_INVALID (PEM problems keep their PEM codes). Duplicate
 * extensions (RFC 5280 forbids them) are PKCS_ERR_CERT_INVALID. Signatures are not checked here.
 */
export function parseCertificate(input: string | Uint8Array): ParsedCertificate {
  let der: Uint8Array;
  if (typeof input === 'string') {
    const blocks = decodePemBlocks(input);
    if (blocks.length > 1) throw new PkcsError('PKCS_ERR_PEM_MULTIPLE', `expected one CERTIFICATE block, found ${blocks.length}`);
    if (blocks[0]!.label !== 'CERTIFICATE') throw new PkcsError('PKCS_ERR_PEM_LABEL', `expected a CERTIFICATE block, found ${blocks[0]!.label}`);
    der = blocks[0]!.der;
  } else if (input instanceof Uint8Array) {
    der = new Uint8Array(input); // a private plain copy (Buffer.slice would be a shared view)
  } else {
    throw new PkcsError('PKCS_ERR_CERT_INVALID', 'certificate input must be a string or bytes');
  }
  return withCode('PKCS_ERR_CERT_INVALID', 'invalid certificate', () => parseCertificateDer(der));
}

/**
 * Parses a bundle of one or more "CERTIFICATE" blocks (explanatory text between blocks is allowed,
 * other labels are PKCS_ERR_PEM_LABEL). Order is preserved.
 */
export function parseCertificateBundle(pem: string): ParsedCertificate[] {
  const blocks = decodePemBlocks(pem, { allowExplanatoryText: true });
  for (const b of blocks) if (b.label !== 'CERTIFICATE') throw new PkcsError('PKCS_ERR_PEM_LABEL', `expected only CERTIFICATE blocks, found ${b.label}`);
  return blocks.map((b) => withCode('PKCS_ERR_CERT_INVALID', 'invalid certificate', () => parseCertificateDer(b.der)));
}

function parseCertificateDer(der: Uint8Array): ParsedCertificate {
  const bad = (why: string) => new PkcsError('PKCS_ERR_CERT_INVALID', `invalid certificate: ${why}`);
  const outer = readSingle(der);
  if (outer.tag !== 0x30) throw bad('not a SEQUENCE');
  const top = readChildren(der, outer);
  if (top.length !== 3) throw bad('expected {tbsCertificate, algorithm, signature}');
  const [tbsTlv, algTlv, sigTlv] = top as [Tlv, Tlv, Tlv];
  if (tbsTlv.tag !== 0x30) throw bad('tbsCertificate is not a SEQUENCE');
  const fields = readChildren(der, tbsTlv);
  let i = 0;
  let version = 0;
  if (fields[0]?.tag === 0xa0) {
    const v = readChildren(der, fields[0]);
    if (v.length !== 1 || v[0]!.tag !== 0x02 || v[0]!.end - v[0]!.contentStart !== 1) throw bad('malformed version');
    version = der[v[0]!.contentStart]!;
    if (version > 2) throw bad(`unknown version ${version}`);
    i++;
  }
  const next = (what: string): Tlv => {
    const f = fields[i++];
    if (!f) throw bad(`missing ${what}`);
    return f;
  };
  const serialTlv = next('serialNumber');
  if (serialTlv.tag !== 0x02 || serialTlv.end === serialTlv.contentStart) throw bad('serialNumber is not an INTEGER');
  const tbsAlgTlv = next('signature');
  const issuerTlv = next('issuer');
  const validityTlv = next('validity');
  const subjectTlv = next('subject');
  const spkiTlv = next('subjectPublicKeyInfo');
  let extensions: RawExtension[] = [];
  for (; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.tag === 0x81 || f.tag === 0xa1 || f.tag === 0x82 || f.tag === 0xa2) {
      if (version < 1) throw bad('unique identifiers need v2 or later');
      continue;
    }
    if (f.tag === 0xa3) {
      if (version < 2) throw bad('extensions need v3');
      if (i !== fields.length - 1) throw bad('fields after extensions');
      const inner = readChildren(der, f);
      if (inner.length !== 1) throw bad('malformed extensions wrapper');
      extensions = decodeExtensionsAt(der, inner[0]!);
      continue;
    }
    throw bad(`unexpected field tag 0x${f.tag.toString(16)}`);
  }
  const seen = new Set<string>();
  for (const e of extensions) {
    if (seen.has(e.oid)) throw bad(`duplicate extension ${e.oid}`);
    seen.add(e.oid);
  }
  const serialContent = tlvContent(der, serialTlv);
  if ((serialContent[0]! & 0x80) !== 0) throw bad('negative serial number');
  let s = 0;
  while (s < serialContent.length - 1 && serialContent[s] === 0) s++;
  const serialNumber = toHex(serialContent.subarray(s));

  if (validityTlv.tag !== 0x30) throw bad('validity is not a SEQUENCE');
  const times = readChildren(der, validityTlv);
  if (times.length !== 2) throw bad('validity needs two times');
  const notBefore = decodeTime(der, times[0]!);
  const notAfter = decodeTime(der, times[1]!);

  const issuer = decodeNameAt(der, issuerTlv);
  const subject = decodeNameAt(der, subjectTlv);
  // Go's certificate parser (crypto/x509, what kube-apiserver runs) refuses names holding anything it
  // does not read as a string (UniversalString, INTEGER, ...): so do we, rather than read it differently.
  for (const [what, name] of [['issuer', issuer], ['subject', subject]] as const) {
    const odd = name.flat().find((a) => !isGoString(a));
    if (odd) throw bad(`${what} attribute ${odd.oid} is a ${odd.stringType === 'universal' ? 'UniversalString' : 'non-string value'}, which Go's crypto/x509 refuses`);
  }
  if (spkiTlv.tag !== 0x30) throw bad('subjectPublicKeyInfo is not a SEQUENCE');
  const spki = tlvBytes(der, spkiTlv);
  const publicKey = describeSpki(spki);
  const tbsAlg = tlvBytes(der, tbsAlgTlv);
  readAlgorithmIdentifier(der, tbsAlgTlv, 'PKCS_ERR_CERT_INVALID');
  const { algorithm, parameters } = readAlgorithmIdentifier(der, algTlv, 'PKCS_ERR_CERT_INVALID');
  const signature = readSignatureBits(der, sigTlv, 'PKCS_ERR_CERT_INVALID');

  const decodedOf = <K extends string>(oid: string, kind: K) => {
    const e = extensions.find((x) => x.oid === oid);
    return e?.decoded?.kind === kind ? e.decoded : undefined;
  };
  const bc = decodedOf(OID.basicConstraints, 'basicConstraints');
  const ku = decodedOf(OID.keyUsage, 'keyUsage');
  const eku = decodedOf(OID.extKeyUsage, 'extendedKeyUsage');
  const cert = freezeWithLazyPem<ParsedCertificate>({
    der,
    subject,
    issuer,
    subjectDer: tlvBytes(der, subjectTlv),
    issuerDer: tlvBytes(der, issuerTlv),
    serialNumber,
    notBefore,
    notAfter,
    publicKey,
    spki,
    extensions: Object.freeze(extensions),
    signatureAlgorithm: algorithm,
    basicConstraints: bc && bc.kind === 'basicConstraints' ? Object.freeze({ ca: bc.ca, pathLength: bc.pathLength }) : undefined,
    keyUsage: ku && ku.kind === 'keyUsage' ? ku.usages : undefined,
    extendedKeyUsage: eku && eku.kind === 'extendedKeyUsage' ? eku.purposes : undefined,
  }, der, 'CERTIFICATE');
  internals.set(cert, {
    signed: { tbs: tlvBytes(der, tbsTlv), algorithm, parameters, signature },
    algorithmsAgree: bytesEqual(tbsAlg, tlvBytes(der, algTlv)),
    version,
  });
  return cert;
}

function decodeTime(buf: Uint8Array, tlv: Tlv): Date {
  const text = new TextDecoder().decode(buf.subarray(tlv.contentStart, tlv.end));
  let m: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === 0x17 && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (tlv.tag === 0x18 && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    year = Number(m[1]);
  } else {
    throw new PkcsError('PKCS_ERR_CERT_INVALID', `invalid time ${JSON.stringify(text)}`);
  }
  const [mo, d, h, mi, s] = m.slice(2).map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, s));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new PkcsError('PKCS_ERR_CERT_INVALID', `invalid time ${JSON.stringify(text)}`);
  }
  if (year < 100) date.setUTCFullYear(year);
  return date;
}

/** True when the certificate's public key is the key pair's public key (SPKI bytes compared). */
export async function certificateMatchesKey(cert: ParsedCertificate, keys: KeyPair, crypto: Crypto = globalThis.crypto): Promise<boolean> {
  return bytesEqual(cert.spki, await exportSpki(keys, crypto));
}

/** Checks `now` against notBefore/notAfter, allowing `skewSeconds` (default 0) either side. Both ends inclusive. */
export function checkValidity(cert: ParsedCertificate, now: Date, skewSeconds = 0): { ok: true } | { ok: false; reason: 'expired' | 'not-yet-valid' } {
  const t = now.getTime();
  const skew = Math.max(0, skewSeconds) * 1000;
  if (t + skew < cert.notBefore.getTime()) return { ok: false, reason: 'not-yet-valid' };
  if (t - skew > cert.notAfter.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true };
}

/**
 * Creates and signs a v3 certificate. Without `signer.certificate` it is self-issued (issuer = subject).
 * Always adds subjectKeyIdentifier and authorityKeyIdentifier. `ca` adds critical basicConstraints CA:TRUE
 * (with pathLength when given) and keyUsage keyCertSign+cRLSign (plus `keyUsages`); otherwise keyUsage
 * (critical) only when `keyUsages` is given. EKU and SAN when given (non-critical). `extensions` are appended as-is
 * (hostile fixtures may duplicate). Serial: random 16 bytes unless given (hex).
 */
export async function createCertificate(
  options: {
    /** The subject; raw DER (a whole Name) is used as-is once it parses (hostile fixtures). */
    subject: NameInput | Uint8Array;
    publicKey: CryptoKey;
    signer: { privateKey: CryptoKey; certificate?: ParsedCertificate };
    notBefore: Date;
    notAfter: Date;
    serialNumber?: string;
    ca?: { pathLength?: number };
    keyUsages?: readonly KeyUsageName[];
    extendedKeyUsages?: readonly string[];
    subjectAltNames?: readonly GeneralName[];
    extensions?: readonly ExtensionInput[];
  },
  crypto: Crypto = globalThis.crypto,
): Promise<ParsedCertificate> {
  const subject = withCode('PKCS_ERR_NAME_INVALID', 'invalid subject', () => subjectDer(options.subject));
  const issuer = options.signer.certificate ? options.signer.certificate.subjectDer : subject;
  const spki = new Uint8Array(
    await withCodeAsync('PKCS_ERR_KEY_INVALID', 'public key export failed', () => crypto.subtle.exportKey('spki', options.publicKey)),
  );
  const serial = options.serialNumber !== undefined ? fromHex(options.serialNumber.length % 2 ? `0${options.serialNumber}` : options.serialNumber) : randomSerial(crypto);
  if (options.notAfter.getTime() < options.notBefore.getTime()) throw new PkcsError('PKCS_ERR_CERT_INVALID', 'notAfter is before notBefore');

  const ski = await keyIdentifier(spki, crypto);
  const signerCert = options.signer.certificate;
  const aki = signerCert ? subjectKeyIdOf(signerCert) ?? (await keyIdentifier(signerCert.spki, crypto)) : ski;
  const exts: ExtensionInput[] = [];
  if (options.ca) {
    exts.push(basicConstraintsExtension(true, options.ca.pathLength, true));
    const usages = new Set<KeyUsageName>(['keyCertSign', 'cRLSign', ...(options.keyUsages ?? [])]);
    exts.push(keyUsageExtension([...usages], true));
  } else if (options.keyUsages && options.keyUsages.length > 0) {
    exts.push(keyUsageExtension(options.keyUsages, true));
  }
  if (options.extendedKeyUsages && options.extendedKeyUsages.length > 0) exts.push(extendedKeyUsageExtension(options.extendedKeyUsages));
  if (options.subjectAltNames && options.subjectAltNames.length > 0) exts.push(subjectAltNameExtension(options.subjectAltNames));
  exts.push({ oid: OID.subjectKeyIdentifier, value: derOctetString(ski) });
  exts.push({ oid: OID.authorityKeyIdentifier, value: derSequence(derTlv(0x80, aki)) });
  exts.push(...(options.extensions ?? []));

  const probeAlg = signatureAlgorithmFor(options.signer.privateKey).algorithmId;
  const tbs = derSequence(
    derTlv(0xa0, derSmallInteger(2)),
    derUnsignedInteger(serial),
    probeAlg,
    issuer,
    derSequence(derTime(options.notBefore), derTime(options.notAfter)),
    subject,
    spki,
    derTlv(0xa3, derSequence(...exts.map(encodeExtension))),
  );
  const { algorithmId, signature } = await signTbs(options.signer.privateKey, tbs, crypto);
  return parseCertificate(derSequence(tbs, algorithmId, derBitString(signature)));
}

function randomSerial(crypto: Crypto): Uint8Array {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b;
}

async function keyIdentifier(spki: Uint8Array, crypto: Crypto): Promise<Uint8Array> {
  // RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value.
  const outer = readSingle(spki);
  const parts = readChildren(spki, outer);
  const bits = parts[1]!;
  const key = spki.subarray(bits.contentStart + 1, bits.end);
  return new Uint8Array(await crypto.subtle.digest('SHA-1', toArrayBuffer(key)));
}

function subjectKeyIdOf(cert: ParsedCertificate): Uint8Array | undefined {
  const e = cert.extensions.find((x) => x.oid === OID.subjectKeyIdentifier);
  if (!e) return undefined;
  try {
    const t = readSingle(e.value);
    return t.tag === 0x04 ? tlvContent(e.value, t) : undefined;
  } catch {
    return undefined;
  }
}
