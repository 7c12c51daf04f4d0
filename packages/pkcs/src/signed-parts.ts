// @internal Shared DER helpers for the signed envelopes (CSR and certificate).
import { decodeOid, readChildren, tlvBytes, type Tlv } from './der.js';
import { PkcsError, type PkcsErrorCode } from './errors.js';

/** Reads an AlgorithmIdentifier TLV into its OID and optional parameter DER. */
export function readAlgorithmIdentifier(buf: Uint8Array, tlv: Tlv, code: PkcsErrorCode): { algorithm: string; parameters: Uint8Array | undefined } {
  if (tlv.tag !== 0x30) throw new PkcsError(code, 'AlgorithmIdentifier is not a SEQUENCE');
  const parts = readChildren(buf, tlv);
  if (parts.length < 1 || parts.length > 2 || parts[0]!.tag !== 0x06) throw new PkcsError(code, 'malformed AlgorithmIdentifier');
  return {
    algorithm: decodeOid(buf.subarray(parts[0]!.contentStart, parts[0]!.end)),
    parameters: parts[1] ? tlvBytes(buf, parts[1]) : undefined,
  };
}

/** Reads a BIT STRING with no unused bits (a signature). */
export function readSignatureBits(buf: Uint8Array, tlv: Tlv, code: PkcsErrorCode): Uint8Array {
  if (tlv.tag !== 0x03 || tlv.end - tlv.contentStart < 1 || buf[tlv.contentStart] !== 0) throw new PkcsError(code, 'signature is not a whole-byte BIT STRING');
  return buf.slice(tlv.contentStart + 1, tlv.end);
}
