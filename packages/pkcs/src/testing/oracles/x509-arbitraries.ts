// fast-check generators for the differential tests against Go's crypto/x509 and OpenSSL: names (every ASN.1
// string type, every Unicode class, duplicates, multi-valued RDNs), certificate/CSR DER with such a subject,
// and chain models (BC, KU, EKU on every level, pathLen, validity, unknown critical extensions, cross certificates).
import fc from 'fast-check';
import { createCertificate } from '../../certificate.js';
import type { ParsedCertificate } from '../../certificate.js';
import { concatBytes, derBitString, derNull, derOid, derSequence, derTlv, derUnsignedInteger, readChildren, readSingle, tlvBytes } from '../../der.js';
import { basicConstraintsExtension, EKU, extendedKeyUsageExtension, keyUsageExtension } from '../../extensions.js';
import type { ExtensionInput, KeyUsageName } from '../../extensions.js';
import type { KeyPair } from '../../keys.js';
import { commonNameInput } from '../../names.js';

/** Characters from every Unicode class that matters for names. */
export const nameChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'abcxyzABCXYZ0123456789 :-.=?\'()+,/'.split('')) },
  { weight: 1, arbitrary: fc.constantFrom('*', '&', '@', '_', '!', '#', '"', '\\', ';', '<') },
  { weight: 2, arbitrary: fc.constantFrom('\u0000', '\u0007', '\u000a', '\u001f', '\u007f', '\u0085', '\u009f') }, // Cc
  { weight: 2, arbitrary: fc.constantFrom('\ufeff', '\u200b', '\u200d', '\u00ad', '\u2060', '\u202e', '\u061c', '\ufff9') }, // Cf
  { weight: 2, arbitrary: fc.constantFrom('é', 'ß', 'Ω', 'ж', '中', '\u0301', '\u00a0', '\u3000') }, // letters, marks, spaces
  { weight: 1, arbitrary: fc.constantFrom('😀', '𝔘', '\u{10ffff}', '\ue000', '\ufffd', '\u0378') }, // astral, private, replacement, unassigned
);

/** Values: random strings of {@link nameChar}, and the identities an attacker would aim at, with a twist. */
export const nameValue = (identities: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.array(nameChar, { minLength: 0, maxLength: 8 }).map((cs) => cs.join('')) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...identities), fc.constantFrom('', '\ufeff', '\u200b', '\u0000', ' ', '\u00ad'), fc.boolean()).map(([id, c, front]) => (front ? c + id : id + c)) },
    { weight: 1, arbitrary: fc.constantFrom(...identities) },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9 ]{0,6}$/) },
  );

/** ASN.1 string tags (and non-strings) a name attribute can carry. */
export const STRING_TAGS = { utf8: 0x0c, printable: 0x13, ia5: 0x16, numeric: 0x12, teletex: 0x14, bmp: 0x1e, universal: 0x1c } as const;

/** How one attribute value is encoded: the tag, and odd bytes an attacker might add. */
export interface ValueEncoding {
  readonly tag: keyof typeof STRING_TAGS | 'integer' | 'octets';
  /** BMPString: append a 00 00 terminator; UTF8String/TeletexString: append a stray 0xff or lone 0xc3. */
  readonly twist: 'none' | 'terminator' | 'stray-byte' | 'lone-surrogate' | 'bad-code-point';
}

const encodingArb: fc.Arbitrary<ValueEncoding> = fc.record({
  tag: fc.constantFrom('utf8', 'utf8', 'utf8', 'printable', 'ia5', 'numeric', 'teletex', 'bmp', 'bmp', 'universal', 'integer', 'octets'),
  twist: fc.constantFrom('none', 'none', 'none', 'terminator', 'stray-byte', 'lone-surrogate', 'bad-code-point'),
});

/** DER of one attribute value with the given encoding. */
export function encodeValue(value: string, enc: ValueEncoding): Uint8Array {
  const utf8 = new TextEncoder().encode(value);
  switch (enc.tag) {
    case 'integer':
      return derTlv(0x02, Uint8Array.of(5));
    case 'octets':
      return derTlv(0x04, utf8);
    case 'bmp': {
      const units: number[] = [];
      for (let i = 0; i < value.length; i++) units.push(value.charCodeAt(i));
      if (enc.twist === 'lone-surrogate') units.splice(units.length >> 1, 0, 0xd800);
      const bytes = units.flatMap((u) => [u >> 8, u & 0xff]);
      if (enc.twist === 'terminator') bytes.push(0, 0);
      if (enc.twist === 'stray-byte') bytes.push(0x41);
      return derTlv(STRING_TAGS.bmp, Uint8Array.from(bytes));
    }
    case 'universal': {
      const cps = [...value].map((c) => c.codePointAt(0)!);
      if (enc.twist === 'bad-code-point') cps.push(0x110000);
      if (enc.twist === 'lone-surrogate') cps.push(0xdfff);
      return derTlv(STRING_TAGS.universal, Uint8Array.from(cps.flatMap((cp) => [cp >>> 24, (cp >> 16) & 0xff, (cp >> 8) & 0xff, cp & 0xff])));
    }
    default: {
      const extra = enc.twist === 'stray-byte' ? Uint8Array.of(0xff) : enc.twist === 'lone-surrogate' ? Uint8Array.of(0xc3) : new Uint8Array(0);
      return derTlv(STRING_TAGS[enc.tag], concatBytes(utf8, extra));
    }
  }
}

/** One generated attribute: type OID, value and its encoding. */
export interface GeneratedAttribute {
  readonly oid: string;
  readonly value: string;
  readonly encoding: ValueEncoding;
}

/** A generated name: its RDNs (as generated) and the DER. */
export interface GeneratedName {
  readonly rdns: readonly (readonly GeneratedAttribute[])[];
  readonly der: Uint8Array;
}

const CN = '2.5.4.3';
const O = '2.5.4.10';

/** DER of a name from generated RDNs (SET elements in generated order: Go does not check DER sorting, neither do we). */
export function encodeGeneratedName(rdns: readonly (readonly GeneratedAttribute[])[]): Uint8Array {
  return derSequence(...rdns.map((rdn) => derTlv(0x31, ...rdn.map((a) => derSequence(derOid(a.oid), encodeValue(a.value, a.encoding))))));
}

/**
 * Names: 0-4 RDNs of 1-3 attributes (CN, O, OU or an unnamed OID), duplicates likely, every string type,
 * values from {@link nameValue}. `identities` are the names an attacker targets (the scraper, system:masters).
 */
export function nameArb(identities: readonly string[]): fc.Arbitrary<GeneratedName> {
  const attr = fc.record({ oid: fc.constantFrom(CN, CN, CN, O, O, '2.5.4.11', '1.2.3.4'), value: nameValue(identities), encoding: encodingArb });
  return fc.array(fc.array(attr, { minLength: 1, maxLength: 3 }), { minLength: 0, maxLength: 4 }).map((rdns) => ({ rdns, der: encodeGeneratedName(rdns) }));
}

/** Names the honest way: `CN=<identity>` (+ O=group RDNs) as UTF8String, sometimes with one attacker twist. */
export function identityNameArb(identity: string, groups: readonly string[]): fc.Arbitrary<GeneratedName> {
  const honest: GeneratedAttribute[][] = commonNameInput(identity, groups).map((rdn) => rdn.map((a) => ({ oid: a.type === 'CN' ? CN : O, value: a.value, encoding: { tag: 'utf8', twist: 'none' } })));
  return fc.oneof(
    fc.constant({ rdns: honest, der: encodeGeneratedName(honest) }),
    fc.tuple(encodingArb, fc.constantFrom('', '\ufeff', '\u200b', '\u0000'), fc.nat(honest.length - 1)).map(([encoding, prefix, at]) => {
      const rdns = honest.map((rdn, i) => (i === at ? rdn.map((a) => ({ ...a, value: prefix + a.value, encoding })) : rdn));
      return { rdns, der: encodeGeneratedName(rdns) };
    }),
  );
}

/** Replaces the subject of a certificate (TBS element 5) or CSR (info element 1); signatures are not redone. */
export function withSubject(der: Uint8Array, subject: Uint8Array, kind: 'certificate' | 'csr'): Uint8Array {
  const outer = readSingle(der);
  const [info, ...rest] = readChildren(der, outer);
  const parts = readChildren(der, info!).map((t) => tlvBytes(der, t));
  parts[kind === 'certificate' ? 5 : 1] = subject;
  return derSequence(derSequence(...parts), ...rest.map((t) => tlvBytes(der, t)));
}

/** Replaces the subjectPublicKeyInfo (TBS element 6) of a certificate; the signature is not redone. */
export function withSpki(der: Uint8Array, spki: Uint8Array): Uint8Array {
  const outer = readSingle(der);
  const [tbs, ...rest] = readChildren(der, outer);
  const parts = readChildren(der, tbs!).map((t) => tlvBytes(der, t));
  parts[6] = spki;
  return derSequence(derSequence(...parts), ...rest.map((t) => tlvBytes(der, t)));
}

/**
 * A hostile RSA SubjectPublicKeyInfo: a `modulusBytes`-byte modulus and an arbitrary (e.g. huge) public
 * exponent. No private key exists; such a key only makes a verifier spend CPU.
 */
export function hostileRsaSpki(modulusBytes: number, exponent: Uint8Array): Uint8Array {
  const n = new Uint8Array(modulusBytes).fill(0xc5);
  n[0] = 0xc0;
  n[modulusBytes - 1] = 0xc7;
  const key = derSequence(derUnsignedInteger(n), derUnsignedInteger(exponent));
  return derSequence(derSequence(derOid('1.2.840.113549.1.1.1'), derNull()), derBitString(key));
}

// ---- chains ----

/** How one certificate of a generated chain looks. */
export interface CertModel {
  /** basicConstraints: CA:TRUE, CA:FALSE, or absent. */
  readonly bc: 'ca' | 'not-ca' | 'absent';
  readonly pathLength: number | undefined;
  /** keyUsage: with keyCertSign (CAs) / digitalSignature (leaf), without it, or absent. */
  readonly ku: 'usual' | 'no-cert-sign' | 'absent';
  readonly eku: 'absent' | 'clientAuth' | 'serverAuth' | 'any' | 'both' | 'unknown';
  readonly validity: 'valid' | 'expired' | 'not-yet-valid' | 'expired-30s' | 'starts-in-30s';
  readonly unknownCritical: boolean;
}

/** A chain: root, intermediates (top-down), leaf; and whether the peer also presents a self-cross-certificate of the root. */
export interface ChainModel {
  readonly root: CertModel;
  readonly intermediates: readonly CertModel[];
  readonly leaf: CertModel;
  /** Present the intermediates to the verifier (else only leaf + roots). */
  readonly presentIntermediates: boolean;
  /** Add a same-subject, same-key copy of the first intermediate issued by itself (a CA loop). */
  readonly crossLoop: boolean;
}

const HONEST_CA: CertModel = { bc: 'ca', pathLength: undefined, ku: 'usual', eku: 'absent', validity: 'valid', unknownCritical: false };
const HONEST_LEAF: CertModel = { bc: 'absent', pathLength: undefined, ku: 'usual', eku: 'clientAuth', validity: 'valid', unknownCritical: false };

/** An honest certificate with one knob turned (or none): keeps the verdicts mixed. */
function twisted(honest: CertModel, knobs: fc.Arbitrary<Partial<CertModel>>): fc.Arbitrary<CertModel> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant(honest) }, { weight: 2, arbitrary: knobs.map((k) => ({ ...honest, ...k })) });
}

const caModel: fc.Arbitrary<CertModel> = twisted(HONEST_CA, fc.oneof(
  fc.record({ bc: fc.constantFrom('not-ca', 'absent') }),
  fc.record({ pathLength: fc.constantFrom(0, 1) }),
  fc.record({ ku: fc.constantFrom('no-cert-sign', 'absent') }),
  fc.record({ eku: fc.constantFrom('clientAuth', 'serverAuth', 'any', 'both', 'unknown') }),
  fc.record({ validity: fc.constantFrom('expired', 'not-yet-valid', 'expired-30s', 'starts-in-30s') }),
  fc.record({ unknownCritical: fc.constant(true) }),
  fc.record({ eku: fc.constantFrom('clientAuth', 'serverAuth', 'any'), pathLength: fc.constantFrom(0, 1), ku: fc.constantFrom('usual', 'absent') }),
));

const leafModel: fc.Arbitrary<CertModel> = twisted(HONEST_LEAF, fc.oneof(
  fc.record({ bc: fc.constantFrom('not-ca', 'ca') }),
  fc.record({ ku: fc.constantFrom('no-cert-sign', 'absent') }),
  fc.record({ eku: fc.constantFrom('absent', 'serverAuth', 'any', 'both', 'unknown') }),
  fc.record({ validity: fc.constantFrom('expired', 'not-yet-valid', 'expired-30s') }),
  fc.record({ unknownCritical: fc.constant(true) }),
));

/** Chain models: 0-2 intermediates, every knob on every level. */
export const chainModelArb: fc.Arbitrary<ChainModel> = fc.record({
  root: caModel,
  intermediates: fc.array(caModel, { minLength: 0, maxLength: 2 }),
  leaf: leafModel,
  presentIntermediates: fc.constantFrom(true, true, true, true, true, false),
  crossLoop: fc.constantFrom(false, false, false, true),
});

const MINUTE = 60_000;
const DAY = 86_400_000;

function window(v: CertModel['validity'], now: number): { notBefore: Date; notAfter: Date } {
  switch (v) {
    case 'expired':
      return { notBefore: new Date(now - 10 * DAY), notAfter: new Date(now - DAY) };
    case 'not-yet-valid':
      return { notBefore: new Date(now + DAY), notAfter: new Date(now + 10 * DAY) };
    case 'expired-30s':
      return { notBefore: new Date(now - DAY), notAfter: new Date(now - 30_000) };
    case 'starts-in-30s':
      return { notBefore: new Date(now + 30_000), notAfter: new Date(now + DAY) };
    default:
      return { notBefore: new Date(now - 60 * MINUTE), notAfter: new Date(now + DAY) };
  }
}

function extensionsFor(m: CertModel, role: 'ca' | 'leaf'): ExtensionInput[] {
  const exts: ExtensionInput[] = [];
  if (m.bc !== 'absent') exts.push(basicConstraintsExtension(m.bc === 'ca', m.bc === 'ca' ? m.pathLength : undefined));
  if (m.ku !== 'absent') {
    const usages: KeyUsageName[] = role === 'ca' ? (m.ku === 'usual' ? ['keyCertSign', 'cRLSign', 'digitalSignature'] : ['digitalSignature', 'cRLSign']) : m.ku === 'usual' ? ['digitalSignature'] : ['keyEncipherment'];
    exts.push(keyUsageExtension(usages));
  }
  const eku = { absent: [], clientAuth: [EKU.clientAuth], serverAuth: [EKU.serverAuth], any: [EKU.any], both: [EKU.serverAuth, EKU.clientAuth], unknown: ['1.3.6.1.4.1.99999.1'] }[m.eku];
  if (eku.length > 0) exts.push(extendedKeyUsageExtension(eku));
  if (m.unknownCritical) exts.push({ oid: '1.3.6.1.4.1.99999.2', critical: true, value: Uint8Array.of(0x05, 0x00) });
  return exts;
}

/** A built chain: certificates as pkcs parsed them, plus what to hand each verifier. */
export interface BuiltChain {
  readonly leaf: ParsedCertificate;
  readonly intermediates: readonly ParsedCertificate[];
  readonly roots: readonly ParsedCertificate[];
}

/**
 * Builds a chain model with keys from `keys` (reused across chains: key generation dominates the cost),
 * names unique per call (`tag`), validity relative to `now`.
 */
export async function buildChain(model: ChainModel, keys: readonly KeyPair[], tag: string, now: number): Promise<BuiltChain> {
  const key = (i: number) => keys[i % keys.length]!;
  const rootKeys = key(0);
  const root = await createCertificate({
    subject: commonNameInput(`diff root ${tag}`), publicKey: rootKeys.publicKey, signer: { privateKey: rootKeys.privateKey },
    ...window(model.root.validity, now), extensions: extensionsFor(model.root, 'ca'),
  });
  let issuer = { cert: root, keys: rootKeys };
  const inters: ParsedCertificate[] = [];
  for (const [i, m] of model.intermediates.entries()) {
    const k = key(i + 1);
    const cert = await createCertificate({
      subject: commonNameInput(`diff intermediate ${i} ${tag}`), publicKey: k.publicKey, signer: { privateKey: issuer.keys.privateKey, certificate: issuer.cert },
      ...window(m.validity, now), extensions: extensionsFor(m, 'ca'),
    });
    inters.push(cert);
    issuer = { cert, keys: k };
  }
  const presented = model.presentIntermediates ? [...inters] : [];
  if (model.crossLoop && inters.length > 0) {
    const first = inters[0]!;
    const k = key(1);
    // Same subject and key as the first intermediate, issued by itself: following it would revisit that CA.
    presented.push(await createCertificate({
      subject: first.subjectDer, publicKey: k.publicKey, signer: { privateKey: k.privateKey, certificate: first },
      ...window('valid', now), ca: {},
    }));
  }
  const lk = key(inters.length + 1);
  const leaf = await createCertificate({
    subject: commonNameInput(`diff leaf ${tag}`), publicKey: lk.publicKey, signer: { privateKey: issuer.keys.privateKey, certificate: issuer.cert },
    ...window(model.leaf.validity, now), extensions: extensionsFor(model.leaf, 'leaf'),
  });
  return { leaf, intermediates: presented, roots: [root] };
}

/** Generated chain models, built, with their inputs for an oracle: the one setup both differential suites use. */
export interface SampledChains {
  readonly models: readonly ChainModel[];
  readonly built: readonly BuiltChain[];
  /** The verification time (a whole second: OpenSSL's -attime resolution). */
  readonly now: Date;
  /** The same chains as DER, for {@link ChainInput}-taking oracles. */
  readonly inputs: readonly { leaf: Uint8Array; intermediates: Uint8Array[]; roots: Uint8Array[]; time: Date }[];
}

/** Samples `runs` chain models with `seed` and builds them with `keys` (names tagged by `tag`). */
export async function sampleChains(runs: number, seed: number, keys: readonly KeyPair[], tag: string): Promise<SampledChains> {
  const models = fc.sample(chainModelArb, { numRuns: runs, seed });
  const nowMs = Math.floor(Date.now() / 1000) * 1000;
  const built: BuiltChain[] = [];
  for (const [i, m] of models.entries()) built.push(await buildChain(m, keys, `${tag}-${seed}-${i}`, nowMs));
  const now = new Date(nowMs);
  const inputs = built.map((b) => ({ leaf: b.leaf.der, intermediates: b.intermediates.map((c) => c.der), roots: b.roots.map((c) => c.der), time: now }));
  return { models, built, now, inputs };
}
