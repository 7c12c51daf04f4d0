import {
  concatBytes, decodeOid, derBoolean, derOctetString, derOid, derSequence, derSmallInteger, derTlv, derUtf8,
  fromHex, isAscii, readChildren, readSingle, tlvBytes, tlvContent, toHex,
} from './der.js';
import type { Tlv } from './der.js';
import { PkcsError, withCode } from './errors.js';
import { decodeNameAt, encodeName, formatName } from './names.js';
import type { NameInput } from './names.js';

/** Well-known OIDs. */
export const OID = Object.freeze({
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  nameConstraints: '2.5.29.30',
  extensionRequest: '1.2.840.113549.1.9.14',
  challengePassword: '1.2.840.113549.1.9.7',
} as const);

/** Extended key usage purpose OIDs. */
export const EKU = Object.freeze({
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  any: '2.5.29.37.0',
} as const);

/**
 * One SAN entry. Values: dns/email/uri as encoded; ip dotted IPv4 or RFC 5952 IPv6 (other lengths `#hex`);
 * registeredId the OID; directoryName formatted with {@link formatName}; otherName `<type-id OID>:<value>`
 * where value is the string if the inner value is a string type, else `#hex` of its DER;
 * x400Address/ediPartyName `#hex` of the content.
 */
export type GeneralName = {
  readonly type: 'dns' | 'email' | 'uri' | 'ip' | 'otherName' | 'directoryName' | 'registeredId' | 'x400Address' | 'ediPartyName';
  readonly value: string;
};

/** Key usage bit names (RFC 5280 order). */
export type KeyUsageName =
  | 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement'
  | 'keyCertSign' | 'cRLSign' | 'encipherOnly' | 'decipherOnly';

const KEY_USAGE_BITS: readonly KeyUsageName[] = [
  'digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly',
];

/** The decoded form of the extensions this package understands; anything else is `other`. */
export type DecodedExtension =
  | { readonly kind: 'subjectAltName'; readonly names: readonly GeneralName[] }
  | { readonly kind: 'basicConstraints'; readonly ca: boolean; readonly pathLength: number | undefined }
  | { readonly kind: 'keyUsage'; readonly usages: readonly KeyUsageName[] }
  | { readonly kind: 'extendedKeyUsage'; readonly purposes: readonly string[] }
  | { readonly kind: 'other' };

/** An extension exactly as encoded, plus its decoding; undecodable ones have `decoded: undefined` and a `decodeError`. */
export interface RawExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The contents of extnValue (the DER inside the OCTET STRING). */
  readonly value: Uint8Array;
  readonly decoded: DecodedExtension | undefined;
  readonly decodeError: string | undefined;
}

/** An extension to encode: OID, criticality (default false) and the DER that goes inside extnValue. */
export interface ExtensionInput {
  readonly oid: string;
  readonly critical?: boolean;
  readonly value: Uint8Array;
}

/** @internal Decodes one extension value; never throws (failures land in decodeError). */
export function decodeExtension(oid: string, critical: boolean, value: Uint8Array): RawExtension {
  let decoded: DecodedExtension | undefined;
  let decodeError: string | undefined;
  try {
    decoded = decodeValue(oid, value);
  } catch (e) {
    decodeError = e instanceof Error ? e.message : String(e);
  }
  return Object.freeze({ oid, critical, value, decoded, decodeError });
}

function decodeValue(oid: string, value: Uint8Array): DecodedExtension {
  switch (oid) {
    case OID.subjectAltName:
      return Object.freeze({ kind: 'subjectAltName', names: decodeGeneralNames(value) });
    case OID.basicConstraints:
      return decodeBasicConstraints(value);
    case OID.keyUsage:
      return Object.freeze({ kind: 'keyUsage', usages: decodeKeyUsage(value) });
    case OID.extKeyUsage: {
      const seq = readSingle(value);
      if (seq.tag !== 0x30) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'extKeyUsage is not a SEQUENCE');
      const purposes = readChildren(value, seq).map((t) => {
        if (t.tag !== 0x06) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'extKeyUsage purpose is not an OBJECT IDENTIFIER');
        return decodeOid(tlvContent(value, t));
      });
      if (purposes.length === 0) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'empty extKeyUsage');
      return Object.freeze({ kind: 'extendedKeyUsage', purposes: Object.freeze(purposes) });
    }
    default:
      return Object.freeze({ kind: 'other' });
  }
}

function decodeBasicConstraints(value: Uint8Array): DecodedExtension {
  const bad = (why: string) => new PkcsError('PKCS_ERR_EXTENSION_INVALID', `basicConstraints: ${why}`);
  const seq = readSingle(value);
  if (seq.tag !== 0x30) throw bad('not a SEQUENCE');
  const parts = readChildren(value, seq);
  let i = 0;
  let ca = false;
  if (parts[i]?.tag === 0x01) {
    const b = parts[i]!;
    if (b.end - b.contentStart !== 1) throw bad('malformed cA BOOLEAN');
    ca = value[b.contentStart] !== 0;
    i++;
  }
  let pathLength: number | undefined;
  if (parts[i]?.tag === 0x02) {
    const n = value.subarray(parts[i]!.contentStart, parts[i]!.end);
    if (n.length === 0 || (n[0]! & 0x80) !== 0) throw bad('pathLenConstraint is negative or empty');
    if (n.length > 6) throw bad('pathLenConstraint too large');
    pathLength = 0;
    for (const b of n) pathLength = pathLength * 256 + b;
    i++;
  }
  if (i !== parts.length) throw bad('unexpected fields');
  return Object.freeze({ kind: 'basicConstraints', ca, pathLength });
}

function decodeKeyUsage(value: Uint8Array): KeyUsageName[] {
  const tlv = readSingle(value);
  if (tlv.tag !== 0x03) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'keyUsage is not a BIT STRING');
  const content = value.subarray(tlv.contentStart, tlv.end);
  if (content.length === 0 || content[0]! > 7 || (content.length === 1 && content[0] !== 0)) {
    throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'malformed keyUsage BIT STRING');
  }
  const out: KeyUsageName[] = [];
  for (let bit = 0; bit < KEY_USAGE_BITS.length; bit++) {
    const byte = content[1 + (bit >> 3)];
    if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) out.push(KEY_USAGE_BITS[bit]!);
  }
  return out;
}

function decodeGeneralNames(value: Uint8Array): readonly GeneralName[] {
  const seq = readSingle(value);
  if (seq.tag !== 0x30) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'GeneralNames is not a SEQUENCE');
  const names = readChildren(value, seq).map((gn) => Object.freeze(decodeGeneralName(value, gn)));
  if (names.length === 0) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'empty GeneralNames');
  return Object.freeze(names);
}

function decodeGeneralName(buf: Uint8Array, gn: Tlv): GeneralName {
  const content = buf.subarray(gn.contentStart, gn.end);
  switch (gn.tag) {
    case 0xa0: {
      const parts = readChildren(buf, gn);
      if (parts.length !== 2 || parts[0]!.tag !== 0x06 || parts[1]!.tag !== 0xa0) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'malformed otherName');
      const typeId = decodeOid(tlvContent(buf, parts[0]!));
      const inner = readChildren(buf, parts[1]!);
      if (inner.length !== 1) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'malformed otherName value');
      const v = inner[0]!;
      const str = [0x0c, 0x13, 0x16].includes(v.tag) ? new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(v.contentStart, v.end)) : `#${toHex(tlvBytes(buf, v))}`;
      return { type: 'otherName', value: `${typeId}:${str}` };
    }
    case 0x81:
      return { type: 'email', value: ascii(content) };
    case 0x82:
      return { type: 'dns', value: ascii(content) };
    case 0xa3:
      return { type: 'x400Address', value: `#${toHex(content)}` };
    case 0xa4: {
      const inner = readChildren(buf, gn);
      if (inner.length !== 1) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'malformed directoryName');
      return { type: 'directoryName', value: formatName(decodeNameAt(buf, inner[0]!)) };
    }
    case 0xa5:
      return { type: 'ediPartyName', value: `#${toHex(content)}` };
    case 0x86:
      return { type: 'uri', value: ascii(content) };
    case 0x87:
      return { type: 'ip', value: formatIp(content) };
    case 0x88:
      return { type: 'registeredId', value: decodeOid(content) };
    default:
      throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', `unknown GeneralName tag 0x${gn.tag.toString(16)}`);
  }
}

function ascii(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function formatIp(b: Uint8Array): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length !== 16) return `#${toHex(b)}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // RFC 5952: compress the longest run (>= 2) of zero groups, first one on ties.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function parseIp(s: string): Uint8Array {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', `invalid IPv4 address ${s}`);
    return Uint8Array.from(parts);
  }
  if (!/^[0-9a-fA-F:]+$/.test(s) || s.split('::').length > 2) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', `invalid IP address ${JSON.stringify(s)}`);
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  if ((tail === undefined && h.length !== 8) || fill < 0 || (tail !== undefined && fill < 1)) {
    throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', `invalid IPv6 address ${s}`);
  }
  const groups = [...h, ...Array<string>(fill).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', `invalid IPv6 address ${s}`);
    const n = parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

function ia5(s: string, what: string): Uint8Array {
  if (!isAscii(s)) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', `${what} must be ASCII`);
  return new TextEncoder().encode(s);
}

/** Parses the simple RFC 4514 form produced by formatName back into a NameInput (reversed order). */
function parseDn(s: string): NameInput {
  const splitUnescaped = (x: string, sep: string): string[] => {
    const out: string[] = [];
    let cur = '';
    for (let i = 0; i < x.length; i++) {
      const c = x[i]!;
      if (c === '\\' && i + 1 < x.length) {
        cur += c + x[i + 1]!;
        i++;
      } else if (c === sep) {
        out.push(cur);
        cur = '';
      } else cur += c;
    }
    out.push(cur);
    return out;
  };
  const unescape = (v: string) => v.replace(/\\([0-9a-fA-F]{2}|.)/g, (_, c: string) => (c.length === 2 ? String.fromCharCode(parseInt(c, 16)) : c));
  return splitUnescaped(s, ',')
    .reverse()
    .map((rdn) =>
      splitUnescaped(rdn, '+').map((atv) => {
        const eq = atv.indexOf('=');
        if (eq <= 0) throw new PkcsError('PKCS_ERR_NAME_INVALID', `invalid name component ${JSON.stringify(atv)}`);
        return { type: atv.slice(0, eq).trim(), value: unescape(atv.slice(eq + 1)) };
      }),
    );
}

/** @internal Encodes one GeneralName (inverse of the decoder's value formats). */
export function encodeGeneralName(n: GeneralName): Uint8Array {
  switch (n.type) {
    case 'dns':
      return derTlv(0x82, ia5(n.value, 'dNSName'));
    case 'email':
      return derTlv(0x81, ia5(n.value, 'rfc822Name'));
    case 'uri':
      return derTlv(0x86, ia5(n.value, 'URI'));
    case 'ip':
      return derTlv(0x87, n.value.startsWith('#') ? fromHex(n.value.slice(1)) : parseIp(n.value));
    case 'registeredId':
      return concatBytes(Uint8Array.of(0x88), derOid(n.value).subarray(1));
    case 'directoryName':
      return derTlv(0xa4, encodeName(parseDn(n.value)));
    case 'otherName': {
      const colon = n.value.indexOf(':');
      if (colon <= 0) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'otherName value must be "<oid>:<value>"');
      const rest = n.value.slice(colon + 1);
      const inner = rest.startsWith('#') ? fromHex(rest.slice(1)) : derUtf8(rest);
      return derTlv(0xa0, derOid(n.value.slice(0, colon)), derTlv(0xa0, inner));
    }
    case 'x400Address':
      return derTlv(0xa3, fromHexValue(n.value));
    case 'ediPartyName':
      return derTlv(0xa5, fromHexValue(n.value));
    default:
      throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', `unknown GeneralName type ${String((n as { type: unknown }).type)}`);
  }
}

function fromHexValue(v: string): Uint8Array {
  if (!v.startsWith('#')) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'value must be "#<hex>"');
  return fromHex(v.slice(1));
}

/** A subjectAltName extension (default non-critical). At least one name. Values use {@link GeneralName}'s formats. */
export function subjectAltNameExtension(names: readonly GeneralName[], critical = false): ExtensionInput {
  return withCode('PKCS_ERR_EXTENSION_INVALID', 'invalid subjectAltName', () => {
    if (names.length === 0) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'subjectAltName needs at least one name');
    return { oid: OID.subjectAltName, critical, value: derSequence(...names.map(encodeGeneralName)) };
  });
}

/** A basicConstraints extension (default critical, as RFC 5280 requires for CAs). */
export function basicConstraintsExtension(ca: boolean, pathLength?: number, critical = true): ExtensionInput {
  if (pathLength !== undefined && (!Number.isSafeInteger(pathLength) || pathLength < 0)) {
    throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'pathLength must be a non-negative integer');
  }
  const parts: Uint8Array[] = [];
  if (ca) parts.push(derBoolean(true));
  if (pathLength !== undefined) parts.push(derSmallInteger(pathLength));
  return { oid: OID.basicConstraints, critical, value: derSequence(...parts) };
}

/** A keyUsage extension (default critical). At least one usage. */
export function keyUsageExtension(usages: readonly KeyUsageName[], critical = true): ExtensionInput {
  if (usages.length === 0) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'keyUsage needs at least one usage');
  const bits = new Uint8Array(2);
  let highest = -1;
  for (const u of usages) {
    const i = KEY_USAGE_BITS.indexOf(u);
    if (i < 0) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', `unknown key usage ${String(u)}`);
    bits[i >> 3]! |= 0x80 >> (i & 7);
    highest = Math.max(highest, i);
  }
  // DER: drop trailing zero bits (named bit list), recording how many are unused in the last byte.
  const len = highest >= 8 ? 2 : 1;
  const last = bits[len - 1]!;
  let unused = 0;
  while (unused < 7 && (last & (1 << unused)) === 0) unused++;
  return { oid: OID.keyUsage, critical, value: derTlv(0x03, Uint8Array.of(unused), bits.subarray(0, len)) };
}

/** An extendedKeyUsage extension (default non-critical). At least one purpose OID. */
export function extendedKeyUsageExtension(purposes: readonly string[], critical = false): ExtensionInput {
  return withCode('PKCS_ERR_EXTENSION_INVALID', 'invalid extendedKeyUsage', () => {
    if (purposes.length === 0) throw new PkcsError('PKCS_ERR_EXTENSION_INVALID', 'extendedKeyUsage needs at least one purpose');
    return { oid: OID.extKeyUsage, critical, value: derSequence(...purposes.map((p) => derOid(p))) };
  });
}

/** @internal DER of one Extension. */
export function encodeExtension(e: ExtensionInput): Uint8Array {
  return withCode('PKCS_ERR_EXTENSION_INVALID', 'invalid extension', () =>
    derSequence(derOid(e.oid), ...(e.critical ? [derBoolean(true)] : []), derOctetString(e.value)),
  );
}

/** @internal Decodes a DER `Extensions` (SEQUENCE OF Extension) at `seq` inside `buf`. Structure errors throw PKCS_ERR_DER. */
export function decodeExtensionsAt(buf: Uint8Array, seq: Tlv): RawExtension[] {
  if (seq.tag !== 0x30) throw new PkcsError('PKCS_ERR_DER', 'Extensions is not a SEQUENCE');
  return readChildren(buf, seq).map((ext) => {
    if (ext.tag !== 0x30) throw new PkcsError('PKCS_ERR_DER', 'Extension is not a SEQUENCE');
    const parts = readChildren(buf, ext);
    if (parts.length < 2 || parts.length > 3 || parts[0]!.tag !== 0x06) throw new PkcsError('PKCS_ERR_DER', 'malformed Extension');
    const oid = decodeOid(tlvContent(buf, parts[0]!));
    let critical = false;
    if (parts.length === 3) {
      const b = parts[1]!;
      if (b.tag !== 0x01 || b.end - b.contentStart !== 1) throw new PkcsError('PKCS_ERR_DER', 'malformed Extension critical flag');
      critical = buf[b.contentStart] !== 0;
    }
    const v = parts[parts.length - 1]!;
    if (v.tag !== 0x04) throw new PkcsError('PKCS_ERR_DER', 'Extension value is not an OCTET STRING');
    return decodeExtension(oid, critical, tlvContent(buf, v));
  });
}
