import { decodeOid, derOid, derSequence, derTlv, isAscii, readChildren, readSingle, tlvBytes, tlvContent, toHex } from './der.js';
import type { Tlv } from './der.js';
import { PkcsError, withCode } from './errors.js';

/** One attribute of an RDN, exactly as encoded: OID, well-known short name (if any), decoded value and string type. */
export interface NameAttribute {
  readonly oid: string;
  /** CN, O, OU, C, ST, L, ... or undefined for OIDs without a well-known short name. */
  readonly shortName: string | undefined;
  /** The decoded string, as Go decodes it (see decodeStringValue); for non-string values ('other') `#` + hex of the whole DER value (RFC 4514 style). */
  readonly value: string;
  readonly stringType: 'utf8' | 'printable' | 'ia5' | 'numeric' | 'teletex' | 'bmp' | 'universal' | 'other';
}

/** One RDN; multi-valued RDNs (`CN=a+O=b`) keep every attribute, in encoded order. */
export type RelativeDistinguishedName = readonly NameAttribute[];
/** A whole name; order and duplicates preserved exactly as encoded. */
export type DistinguishedName = readonly RelativeDistinguishedName[];
/** A name to encode: RDNs of attributes; `type` is a short name ('CN', 'O', ...) or a dotted OID. */
export type NameInput = ReadonlyArray<ReadonlyArray<{ readonly type: string; readonly value: string }>>;

const SHORT_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['CN', '2.5.4.3'],
  ['SN', '2.5.4.4'],
  ['serialNumber', '2.5.4.5'],
  ['C', '2.5.4.6'],
  ['L', '2.5.4.7'],
  ['ST', '2.5.4.8'],
  ['STREET', '2.5.4.9'],
  ['O', '2.5.4.10'],
  ['OU', '2.5.4.11'],
  ['title', '2.5.4.12'],
  ['GN', '2.5.4.42'],
  ['DC', '0.9.2342.19200300.100.1.25'],
  ['UID', '0.9.2342.19200300.100.1.1'],
  ['emailAddress', '1.2.840.113549.1.9.1'],
];
const SHORT_BY_OID = new Map(SHORT_NAMES.map(([s, o]) => [o, s]));
const OID_BY_SHORT = new Map(SHORT_NAMES.map(([s, o]) => [s.toLowerCase(), o]));

/** The well-known short name for an attribute OID, or undefined. */
export function shortNameOf(oid: string): string | undefined {
  return SHORT_BY_OID.get(oid);
}

/** `[[CN=cn], [O=org1], [O=org2], ...]` — one RDN per attribute, CN first. */
export function commonNameInput(cn: string, organizations: readonly string[] = []): NameInput {
  return [[{ type: 'CN', value: cn }], ...organizations.map((o) => [{ type: 'O', value: o }])];
}

/**
 * Formats a name RFC 4514-style for logs and messages: RDNs in reverse encoded order, `+` between
 * attributes of one RDN, short names where known (else the OID), special characters escaped.
 */
export function formatName(name: DistinguishedName): string {
  return [...name]
    .reverse()
    .map((rdn) => rdn.map((a) => `${a.shortName ?? a.oid}=${a.stringType === 'other' ? a.value : escapeValue(a.value)}`).join('+'))
    .join(',');
}

function escapeValue(v: string): string {
  let out = v.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  out = [...out].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c)).join('');
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** @internal Decodes a DER Name (the whole SEQUENCE TLV). Malformed: PKCS_ERR_NAME_INVALID. */
export function decodeNameDer(der: Uint8Array): DistinguishedName {
  return withCode('PKCS_ERR_NAME_INVALID', 'invalid name', () => {
    const seq = readSingle(der);
    return decodeNameAt(der, seq);
  });
}

/** @internal Decodes the Name at `seq` inside `buf`. */
export function decodeNameAt(buf: Uint8Array, seq: Tlv): DistinguishedName {
  return withCode('PKCS_ERR_NAME_INVALID', 'invalid name', () => {
    if (seq.tag !== 0x30) throw new PkcsError('PKCS_ERR_NAME_INVALID', 'name is not a SEQUENCE');
    const rdns: RelativeDistinguishedName[] = [];
    for (const set of readChildren(buf, seq)) {
      if (set.tag !== 0x31) throw new PkcsError('PKCS_ERR_NAME_INVALID', 'RDN is not a SET');
      const attrs: NameAttribute[] = [];
      for (const atv of readChildren(buf, set)) {
        if (atv.tag !== 0x30) throw new PkcsError('PKCS_ERR_NAME_INVALID', 'attribute is not a SEQUENCE');
        const parts = readChildren(buf, atv);
        if (parts.length !== 2 || parts[0]!.tag !== 0x06) throw new PkcsError('PKCS_ERR_NAME_INVALID', 'attribute is not {OID, value}');
        const oid = decodeOid(tlvContent(buf, parts[0]!));
        const v = parts[1]!;
        attrs.push(Object.freeze({ oid, shortName: shortNameOf(oid), ...decodeStringValue(buf, v) }));
      }
      if (attrs.length === 0) throw new PkcsError('PKCS_ERR_NAME_INVALID', 'empty RDN');
      rdns.push(Object.freeze(attrs));
    }
    return Object.freeze(rdns);
  });
}

// ignoreBOM: a leading U+FEFF is part of the value (Go keeps it; dropping it would let
// "\ufeffsystem:masters" be read as "system:masters").
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder('utf-8', { ignoreBOM: true });
const utf16Lenient = new TextDecoder('utf-16be', { ignoreBOM: true });

/** Go's PrintableString set (encoding/asn1 and crypto/x509 also allow '*' and '&'). */
function isGoPrintable(b: number): boolean {
  return (
    (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || (b >= 0x27 && b <= 0x29) || (b >= 0x2b && b <= 0x2f) ||
    b === 0x20 || b === 0x3a || b === 0x3d || b === 0x3f || b === 0x2a || b === 0x26
  );
}

/**
 * Decodes an attribute value exactly as Go's encoding/asn1 and crypto/x509 do (the readers of
 * kube-apiserver and kube-controller-manager): UTF8String must be valid UTF-8; PrintableString,
 * IA5String and NumericString must stay within their alphabets (else the whole name is refused, as
 * Go refuses it); TeletexString is taken as raw bytes (Go's `string(value)`: here UTF-8 with
 * U+FFFD for invalid sequences); BMPString drops one trailing 00 00 terminator and replaces unpaired
 * surrogates with U+FFFD; a leading U+FEFF is never dropped. UniversalString is decoded (U+FFFD for
 * invalid code points) although Go does not read it as a string (see {@link isGoString}).
 */
function decodeStringValue(buf: Uint8Array, v: Tlv): Pick<NameAttribute, 'value' | 'stringType'> {
  const content = buf.subarray(v.contentStart, v.end);
  const refuse = (why: string) => new PkcsError('PKCS_ERR_NAME_INVALID', why);
  switch (v.tag) {
    case 0x0c:
      return { value: utf8Strict.decode(content), stringType: 'utf8' };
    case 0x13:
      if (!content.every(isGoPrintable)) throw refuse('invalid PrintableString');
      return { value: latin1(content), stringType: 'printable' };
    case 0x16:
      if (!content.every((b) => b < 0x80)) throw refuse('invalid IA5String');
      return { value: latin1(content), stringType: 'ia5' };
    case 0x12:
      if (!content.every((b) => (b >= 0x30 && b <= 0x39) || b === 0x20)) throw refuse('invalid NumericString');
      return { value: latin1(content), stringType: 'numeric' };
    case 0x14:
      return { value: utf8Lenient.decode(content), stringType: 'teletex' };
    case 0x1e: {
      if (content.length % 2 !== 0) throw refuse('odd-length BMPString');
      const l = content.length;
      const body = l >= 2 && content[l - 1] === 0 && content[l - 2] === 0 ? content.subarray(0, l - 2) : content;
      return { value: utf16Lenient.decode(body), stringType: 'bmp' };
    }
    case 0x1c: {
      if (content.length % 4 !== 0) throw refuse('UniversalString length not a multiple of 4');
      let s = '';
      for (let i = 0; i < content.length; i += 4) {
        const cp = ((content[i]! << 24) | (content[i + 1]! << 16) | (content[i + 2]! << 8) | content[i + 3]!) >>> 0;
        s += cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? '\ufffd' : String.fromCodePoint(cp);
      }
      return { value: s, stringType: 'universal' };
    }
    default:
      return { value: `#${toHex(tlvBytes(buf, v))}`, stringType: 'other' };
  }
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/**
 * True when Go reads an attribute as a string, so that it can become `Subject.CommonName` /
 * `Subject.Organization`: every type but UniversalString and non-string values. (In a certificate
 * Go refuses those outright; in a CSR it skips them.)
 */
export function isGoString(attr: NameAttribute): boolean {
  return attr.stringType !== 'universal' && attr.stringType !== 'other';
}

/** What Go's `pkix.Name` makes of a subject: the user name and groups kube-apiserver derives from it. */
export interface GoNameReading {
  /** `Subject.CommonName`: the LAST string-valued CN (Go overwrites on each), or undefined when none. */
  readonly commonName: string | undefined;
  /** `Subject.Organization`: every string-valued O, in encoded order (empty values included). */
  readonly organizations: readonly string[];
}

/** Reads a name as Go's `pkix.Name.FillFromRDNSequence` does (see {@link GoNameReading}). */
export function goNameReading(name: DistinguishedName): GoNameReading {
  let commonName: string | undefined;
  const organizations: string[] = [];
  for (const rdn of name) {
    for (const a of rdn) {
      if (!isGoString(a)) continue;
      if (a.oid === '2.5.4.3') commonName = a.value;
      else if (a.oid === '2.5.4.10') organizations.push(a.value);
    }
  }
  return Object.freeze({ commonName, organizations: Object.freeze(organizations) });
}

const UNSAFE_IDENTITY = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\ufffd]/u;

/**
 * Why `value` cannot be an identity (a user or group name), or undefined when it can: it is empty, or
 * contains a control or format character (Unicode Cc/Cf: U+0000, U+200B, U+FEFF, ...), a surrogate,
 * a private-use or unassigned code point, or U+FFFD (a byte sequence Go keeps but that is not text).
 * Invisible characters make two different names look alike in logs, RBAC rules and reviews.
 */
export function identityValueProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  const m = UNSAFE_IDENTITY.exec(value);
  if (m) return `contains U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} (a control, format, unassigned or replacement character)`;
  return undefined;
}

/** Resolves a short name ('CN', 'o', ...) or dotted OID to an OID; unknown: PKCS_ERR_NAME_INVALID. */
export function attributeOid(type: string): string {
  if (/^[0-2](\.(0|[1-9][0-9]*))+$/.test(type)) return type;
  const oid = OID_BY_SHORT.get(type.toLowerCase());
  if (!oid) throw new PkcsError('PKCS_ERR_NAME_INVALID', `unknown name attribute type ${JSON.stringify(type)}`);
  return oid;
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/**
 * @internal Encodes a NameInput as DER. C uses PrintableString, emailAddress and DC IA5String,
 * everything else UTF8String. Empty names are allowed (`[]`); empty RDNs or values are not
 * (empty values are allowed with `allowEmpty`, used only to build hostile fixtures; an empty RDN is
 * never valid DER for a Name, so it is always refused).
 */
export function encodeName(input: NameInput, options: { allowEmpty?: boolean } = {}): Uint8Array {
  return derSequence(
    ...input.map((rdn, i) => {
      if (rdn.length === 0) throw new PkcsError('PKCS_ERR_NAME_INVALID', `RDN ${i} is empty`);
      const atvs = rdn.map(({ type, value }) => {
        const oid = attributeOid(type);
        if (typeof value !== 'string' || (value.length === 0 && !options.allowEmpty)) throw new PkcsError('PKCS_ERR_NAME_INVALID', `empty value for ${type}`);
        return derSequence(derOid(oid), encodeValue(oid, value));
      });
      // DER SET OF: elements sorted by their encodings.
      atvs.sort(compareBytes);
      return derTlv(0x31, ...atvs);
    }),
  );
}

function encodeValue(oid: string, value: string): Uint8Array {
  if (oid === '2.5.4.6') {
    if (!PRINTABLE.test(value)) throw new PkcsError('PKCS_ERR_NAME_INVALID', 'country must be a PrintableString');
    return derTlv(0x13, new TextEncoder().encode(value));
  }
  if (oid === '1.2.840.113549.1.9.1' || oid === '0.9.2342.19200300.100.1.25') {
    if (!isAscii(value)) throw new PkcsError('PKCS_ERR_NAME_INVALID', 'value must be IA5 (ASCII)');
    return derTlv(0x16, new TextEncoder().encode(value));
  }
  return derTlv(0x0c, new TextEncoder().encode(value));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * @internal Resolves a subject given either as NameInput (validated, encoded here) or as raw DER
 * (used as-is once it parses as a Name: hostile fixtures such as an empty CN).
 */
export function subjectDer(subject: NameInput | Uint8Array): Uint8Array {
  if (subject instanceof Uint8Array) {
    const der = new Uint8Array(subject);
    decodeNameDer(der);
    return der;
  }
  return encodeName(subject);
}
