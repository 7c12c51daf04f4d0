import { describe, expect, it } from 'vitest';
import { derSequence, derTlv } from './der.js';
import { isPkcsError } from './errors.js';
import {
  basicConstraintsExtension, decodeExtension, EKU, extendedKeyUsageExtension, keyUsageExtension, OID, subjectAltNameExtension,
} from './extensions.js';
import type { GeneralName, KeyUsageName } from './extensions.js';

const decode = (e: { oid: string; critical?: boolean; value: Uint8Array }) => decodeExtension(e.oid, e.critical ?? false, e.value);

describe('subjectAltNameExtension round-trips every GeneralName type', () => {
  it.each<[GeneralName]>([
    [{ type: 'dns', value: 'a.example' }],
    [{ type: 'email', value: 'a@b.example' }],
    [{ type: 'uri', value: 'spiffe://cluster.local/ns/x/sa/y' }],
    [{ type: 'ip', value: '192.0.2.1' }],
    [{ type: 'ip', value: '2001:db8::1' }],
    [{ type: 'ip', value: '::1' }],
    [{ type: 'ip', value: '1:2:3:4:5:6:7:8' }],
    [{ type: 'registeredId', value: '1.2.3.4.5' }],
    [{ type: 'otherName', value: '1.3.6.1.4.1.311.20.2.3:upn@example' }],
    [{ type: 'otherName', value: '1.2.3.4:#020107' }],
    [{ type: 'directoryName', value: 'O=dir org,CN=dir name' }],
    [{ type: 'x400Address', value: '#0400' }],
    [{ type: 'ediPartyName', value: '#a1030c0178' }],
  ])('%j', (name) => {
    const ext = subjectAltNameExtension([name]);
    expect(ext).toMatchObject({ oid: OID.subjectAltName, critical: false });
    expect(decode(ext)).toMatchObject({ decoded: { kind: 'subjectAltName', names: [name] }, decodeError: undefined });
  });

  it.each<[string, GeneralName[]]>([
    ['no names', []],
    ['a malformed IPv4 address', [{ type: 'ip', value: '300.1.1.1' }]],
    ['a malformed IPv6 address', [{ type: 'ip', value: '1::2::3' }]],
    ['a non-ASCII DNS name', [{ type: 'dns', value: 'bücher.example' }]],
    ['an otherName without an OID', [{ type: 'otherName', value: 'novalue' }]],
  ])('refuses %s with PKCS_ERR_EXTENSION_INVALID', (_name, names) => {
    let err: unknown;
    try {
      subjectAltNameExtension(names);
    } catch (e) {
      err = e;
    }
    expect(isPkcsError(err, 'PKCS_ERR_EXTENSION_INVALID')).toBe(true);
  });
});

describe('keyUsageExtension round-trips', () => {
  it.each<[KeyUsageName[]]>([
    [['digitalSignature']],
    [['digitalSignature', 'keyEncipherment']],
    [['keyCertSign', 'cRLSign']],
    [['keyAgreement', 'encipherOnly']],
    [['digitalSignature', 'decipherOnly']],
    [['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly']],
  ])('%j', (usages) => {
    const ext = keyUsageExtension(usages);
    expect(ext.critical).toBe(true);
    expect(decode(ext).decoded).toEqual({ kind: 'keyUsage', usages });
  });

  it('encodes digitalSignature alone as DER 03 02 07 80', () => {
    expect([...keyUsageExtension(['digitalSignature']).value]).toEqual([0x03, 0x02, 0x07, 0x80]);
  });
});

describe('basicConstraintsExtension and extendedKeyUsageExtension round-trip', () => {
  it.each<[boolean, number | undefined]>([[true, undefined], [true, 0], [true, 3], [false, undefined]])('CA:%s pathLength %s', (ca, pathLength) => {
    expect(decode(basicConstraintsExtension(ca, pathLength)).decoded).toEqual({ kind: 'basicConstraints', ca, pathLength });
  });

  it('keeps EKU purposes in order', () => {
    expect(decode(extendedKeyUsageExtension([EKU.clientAuth, EKU.serverAuth, '1.2.3.4'])).decoded).toEqual({ kind: 'extendedKeyUsage', purposes: [EKU.clientAuth, EKU.serverAuth, '1.2.3.4'] });
  });
});

describe('decodeExtension reports, never throws', () => {
  it.each<[string, string, Uint8Array]>([
    ['a basicConstraints that is a BOOLEAN', OID.basicConstraints, Uint8Array.of(0x01, 0x01, 0xff)],
    ['a keyUsage that is an OCTET STRING', OID.keyUsage, Uint8Array.of(0x04, 0x01, 0x80)],
    ['a keyUsage with 8 unused bits', OID.keyUsage, Uint8Array.of(0x03, 0x02, 0x08, 0x80)],
    ['an empty extKeyUsage', OID.extKeyUsage, Uint8Array.of(0x30, 0x00)],
    ['a SAN with trailing bytes', OID.subjectAltName, Uint8Array.of(0x30, 0x03, 0x82, 0x01, 0x61, 0x00)],
    ['a SAN with an unknown GeneralName tag', OID.subjectAltName, derSequence(derTlv(0x89, Uint8Array.of(1)))],
    ['an empty SAN', OID.subjectAltName, Uint8Array.of(0x30, 0x00)],
    ['a truncated SAN', OID.subjectAltName, Uint8Array.of(0x30, 0x05, 0x82)],
  ])('%s -> decodeError', (_name, oid, value) => {
    const raw = decodeExtension(oid, true, value);
    expect(raw).toMatchObject({ oid, critical: true, value, decoded: undefined });
    expect(raw.decodeError).toEqual(expect.any(String));
  });

  it('decodes an unknown OID as other and keeps its bytes', () => {
    expect(decodeExtension('1.2.3', false, Uint8Array.of(9))).toEqual({ oid: '1.2.3', critical: false, value: Uint8Array.of(9), decoded: { kind: 'other' }, decodeError: undefined });
  });

  it('formats a 8-byte iPAddress (name-constraint style) as #hex instead of failing', () => {
    const v = derSequence(derTlv(0x87, Uint8Array.of(10, 0, 0, 0, 255, 0, 0, 0)));
    expect(decodeExtension(OID.subjectAltName, false, v).decoded).toEqual({ kind: 'subjectAltName', names: [{ type: 'ip', value: '#0a000000ff000000' }] });
  });
});
