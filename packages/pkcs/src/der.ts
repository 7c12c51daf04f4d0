// Minimal DER reader/writer used for byte-exact slices (tbsCertificate, subject, SPKI, ...) and
// for the few structures we emit by hand. Structured decoding is done by @peculiar/asn1-*.
import { PkcsError } from './errors.js';

/** One decoded tag-length-value header, with offsets into the buffer it came from. */
export interface Tlv {
  /** First identifier octet (class + constructed bit + low tag number; 0x1f means a high tag). */
  readonly tag: number;
  /** Full tag number (for high-tag-number form). */
  readonly tagNumber: number;
  readonly constructed: boolean;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

const MAX_DEPTH_BYTES = 0x7fffffff;

/** Reads one TLV at `offset`; strict DER length rules; throws PKCS_ERR_DER. */
export function readTlv(buf: Uint8Array, offset: number, limit: number = buf.length): Tlv {
  let p = offset;
  if (p >= limit) throw derError('unexpected end of data (tag)');
  const tag = buf[p++]!;
  let tagNumber = tag & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (p >= limit || i > 3) throw derError('bad high tag number');
      const b = buf[p++]!;
      tagNumber = (tagNumber << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (p >= limit) throw derError('unexpected end of data (length)');
  const first = buf[p++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    throw derError('indefinite length is not DER');
  } else {
    const n = first & 0x7f;
    if (n > 4) throw derError('length too long');
    length = 0;
    for (let i = 0; i < n; i++) {
      if (p >= limit) throw derError('unexpected end of data (long length)');
      length = length * 256 + buf[p++]!;
    }
    if (length < 0x80 || (n > 1 && length < 1 << (8 * (n - 1)))) throw derError('non-minimal length');
    if (length > MAX_DEPTH_BYTES) throw derError('length too large');
  }
  const end = p + length;
  if (end > limit) throw derError('content runs past the end of data');
  return { tag, tagNumber, constructed: (tag & 0x20) !== 0, start: offset, contentStart: p, end };
}

/** Reads exactly one TLV spanning all of `buf` (no trailing bytes). */
export function readSingle(buf: Uint8Array): Tlv {
  const tlv = readTlv(buf, 0);
  if (tlv.end !== buf.length) throw derError(`trailing ${buf.length - tlv.end} byte(s) after the DER value`);
  return tlv;
}

/** Reads the children of a constructed TLV; they must exactly fill its content. */
export function readChildren(buf: Uint8Array, parent: Tlv): Tlv[] {
  if (!parent.constructed) throw derError('expected a constructed value');
  const out: Tlv[] = [];
  let p = parent.contentStart;
  while (p < parent.end) {
    const child = readTlv(buf, p, parent.end);
    out.push(child);
    p = child.end;
  }
  return out;
}

/** The whole TLV bytes (header + content) as a copy. */
export function tlvBytes(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.slice(tlv.start, tlv.end);
}

/** The content bytes of a TLV as a copy. */
export function tlvContent(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.slice(tlv.contentStart, tlv.end);
}

/** Decodes the content of an OBJECT IDENTIFIER to dotted form (numbers on the fast path, BigInt for huge arcs). */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) throw derError('empty OBJECT IDENTIFIER');
  let out = '';
  let value = 0;
  let big: bigint | undefined;
  let inArc = false;
  let first = true;
  for (let i = 0; i < content.length; i++) {
    const b = content[i]!;
    if (!inArc && b === 0x80) throw derError('non-minimal OBJECT IDENTIFIER arc');
    if (big !== undefined) big = (big << 7n) | BigInt(b & 0x7f);
    else if (value >= 2 ** 45) big = (BigInt(value) << 7n) | BigInt(b & 0x7f);
    else value = value * 128 + (b & 0x7f);
    inArc = (b & 0x80) !== 0;
    if (inArc) continue;
    if (first) {
      if (big !== undefined) out = `2.${String(big - 80n)}`;
      else out = value < 40 ? `0.${value}` : value < 80 ? `1.${value - 40}` : `2.${value - 80}`;
      first = false;
    } else {
      out += `.${big !== undefined ? String(big) : String(value)}`;
    }
    value = 0;
    big = undefined;
  }
  if (inArc) throw derError('truncated OBJECT IDENTIFIER');
  return out;
}

// ---- writer ----

/** Concatenates byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Encodes one TLV with a single-octet identifier. */
export function derTlv(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  const body = concatBytes(...content);
  const len = body.length;
  let header: number[];
  if (len < 0x80) header = [tag, len];
  else {
    const bytes: number[] = [];
    for (let l = len; l > 0; l = Math.floor(l / 256)) bytes.unshift(l & 0xff);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  return concatBytes(Uint8Array.from(header), body);
}

/** SEQUENCE of already-encoded elements. */
export const derSequence = (...items: readonly Uint8Array[]): Uint8Array => derTlv(0x30, ...items);

/** INTEGER from unsigned big-endian magnitude bytes (adds/strips leading zeros as DER requires). */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  let m = magnitude.subarray(i);
  if (m.length === 0) m = Uint8Array.of(0);
  if ((m[0]! & 0x80) !== 0) m = concatBytes(Uint8Array.of(0), m);
  return derTlv(0x02, m);
}

/** Small non-negative INTEGER. */
export function derSmallInteger(n: number): Uint8Array {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return derUnsignedInteger(Uint8Array.from(bytes));
}

/** OBJECT IDENTIFIER from dotted form. */
export function derOid(oid: string): Uint8Array {
  if (!/^[0-2](\.(0|[1-9][0-9]*))+$/.test(oid)) throw new PkcsError('PKCS_ERR_DER', `not a dotted OID: ${JSON.stringify(oid)}`);
  const arcs = oid.split('.').map((a) => BigInt(a));
  const first = arcs[0]! * 40n + arcs[1]!;
  const out: number[] = [];
  for (const arc of [first, ...arcs.slice(2)]) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    out.push(...chunk);
  }
  return derTlv(0x06, Uint8Array.from(out));
}

/** BIT STRING with no unused bits. */
export const derBitString = (bytes: Uint8Array): Uint8Array => derTlv(0x03, Uint8Array.of(0), bytes);
/** OCTET STRING. */
export const derOctetString = (bytes: Uint8Array): Uint8Array => derTlv(0x04, bytes);
/** NULL. */
export const derNull = (): Uint8Array => Uint8Array.of(0x05, 0x00);
/** BOOLEAN. */
export const derBoolean = (v: boolean): Uint8Array => Uint8Array.of(0x01, 0x01, v ? 0xff : 0x00);
/** UTF8String. */
export const derUtf8 = (s: string): Uint8Array => derTlv(0x0c, new TextEncoder().encode(s));

/** Time as UTCTime (years 1950..2049) or GeneralizedTime, per RFC 5280. */
export function derTime(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  const p2 = (n: number) => String(n).padStart(2, '0');
  const rest = `${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return derTlv(0x17, new TextEncoder().encode(`${p2(y % 100)}${rest}`));
  return derTlv(0x18, new TextEncoder().encode(`${String(y).padStart(4, '0')}${rest}`));
}

// ---- misc byte helpers ----

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Bytes from an even-length hex string; throws PKCS_ERR_DER on bad input. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new PkcsError('PKCS_ERR_DER', 'not an even-length hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** True when every UTF-16 unit of `s` is 7-bit ASCII. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Constant-shape byte equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Copies `bytes` into a fresh ArrayBuffer (what asn1-schema and WebCrypto want). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer as ArrayBuffer;
}

function derError(message: string): PkcsError {
  return new PkcsError('PKCS_ERR_DER', `malformed DER: ${message}`);
}
