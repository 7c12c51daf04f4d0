import { describe, expect, it } from 'vitest';
import { isPkcsError } from './errors.js';
import { attributeOid, commonNameInput, decodeNameDer, encodeName, formatName } from './names.js';
import type { DistinguishedName, NameAttribute, NameInput } from './names.js';
import { derOid, derSequence, derTlv } from './der.js';

const a = (shortName: string | undefined, oid: string, value: string) => ({ oid, shortName, value, stringType: 'utf8' as const });

describe('commonNameInput', () => {
  it('puts CN first and one O RDN per organization', () => {
    expect(commonNameInput('u', ['g1', 'g2'])).toEqual([[{ type: 'CN', value: 'u' }], [{ type: 'O', value: 'g1' }], [{ type: 'O', value: 'g2' }]]);
    expect(commonNameInput('u')).toEqual([[{ type: 'CN', value: 'u' }]]);
  });
});

describe('encodeName -> decodeNameDer', () => {
  it.each<[string, NameInput, DistinguishedName]>([
    ['duplicate CNs keep their order', [[{ type: 'CN', value: 'b' }], [{ type: 'CN', value: 'a' }]], [[a('CN', '2.5.4.3', 'b')], [a('CN', '2.5.4.3', 'a')]]],
    ['a multi-valued RDN stays one RDN', [[{ type: 'O', value: 'o' }, { type: 'CN', value: 'c' }]], [[a('CN', '2.5.4.3', 'c'), a('O', '2.5.4.10', 'o')]]],
    ['a dotted OID without a short name', [[{ type: '1.2.3.4', value: 'v' }]], [[a(undefined, '1.2.3.4', 'v')]]],
    ['non-ASCII text as UTF8String', [[{ type: 'CN', value: 'Grüße ✓' }]], [[a('CN', '2.5.4.3', 'Grüße ✓')]]],
    ['C as PrintableString and emailAddress as IA5String', [[{ type: 'C', value: 'DE' }], [{ type: 'emailAddress', value: 'x@y' }]], [
      [{ oid: '2.5.4.6', shortName: 'C', value: 'DE', stringType: 'printable' }],
      [{ oid: '1.2.840.113549.1.9.1', shortName: 'emailAddress', value: 'x@y', stringType: 'ia5' }],
    ]],
    ['an empty name', [], []],
  ])('%s', (_name, input, expected) => {
    expect(decodeNameDer(encodeName(input))).toEqual(expected);
  });

  it.each<[string, NameInput]>([
    ['an unknown short name', [[{ type: 'XYZ', value: 'v' }]]],
    ['an empty RDN', [[]]],
    ['an empty value', [[{ type: 'CN', value: '' }]]],
    ['a non-printable country', [[{ type: 'C', value: 'D_' }]]],
  ])('refuses %s with PKCS_ERR_NAME_INVALID', (_name, input) => {
    let err: unknown;
    try {
      encodeName(input);
    } catch (e) {
      err = e;
    }
    expect(isPkcsError(err, 'PKCS_ERR_NAME_INVALID')).toBe(true);
  });

  const nameWith = (value: Uint8Array) => derSequence(derTlv(0x31, derSequence(derOid('2.5.4.3'), value)));
  it.each<[string, Uint8Array, Pick<NameAttribute, 'value' | 'stringType'>]>([
    ['an INTEGER value as #hex of its DER, type other', derTlv(0x02, Uint8Array.of(5)), { value: '#020105', stringType: 'other' }],
    ['a BMPString', derTlv(0x1e, Uint8Array.of(0x00, 0x41, 0x00, 0xfc)), { value: 'Aü', stringType: 'bmp' }],
    ['a UniversalString outside the BMP', derTlv(0x1c, Uint8Array.of(0x00, 0x01, 0xf6, 0x00)), { value: '😀', stringType: 'universal' }],
    ['a TeletexString', derTlv(0x14, Uint8Array.of(0x41, 0x42)), { value: 'AB', stringType: 'teletex' }],
  ])('decodes %s', (_name, value, expected) => {
    expect(decodeNameDer(nameWith(value))).toEqual([[{ oid: '2.5.4.3', shortName: 'CN', ...expected }]]);
  });

  it.each<[string, Uint8Array]>([
    ['invalid UTF-8', derTlv(0x0c, Uint8Array.of(0xc3, 0x28))],
    ['an odd-length BMPString', derTlv(0x1e, Uint8Array.of(0x00))],
  ])('refuses %s with PKCS_ERR_NAME_INVALID', (_name, value) => {
    let err: unknown;
    try {
      decodeNameDer(nameWith(value));
    } catch (e) {
      err = e;
    }
    expect(isPkcsError(err, 'PKCS_ERR_NAME_INVALID')).toBe(true);
  });
});

describe('formatName', () => {
  it.each<[string, DistinguishedName, string]>([
    ['reverses RDN order (RFC 4514)', [[a('CN', '2.5.4.3', 'u')], [a('O', '2.5.4.10', 'g')]], 'O=g,CN=u'],
    ['joins multi-valued RDNs with +', [[a('CN', '2.5.4.3', 'a'), a('O', '2.5.4.10', 'b')]], 'CN=a+O=b'],
    ['escapes special characters', [[a('CN', '2.5.4.3', 'a,b+c="d"\\')]], 'CN=a\\,b\\+c\\=\\"d\\"\\\\'],
    ['escapes leading #/space and trailing space', [[a('CN', '2.5.4.3', '#x ')]], 'CN=\\#x\\ '],
    ['escapes control characters', [[a('CN', '2.5.4.3', 'a\nb')]], 'CN=a\\0ab'],
    ['uses the OID when there is no short name', [[a(undefined, '1.2.3.4', 'v')]], '1.2.3.4=v'],
  ])('%s', (_name, dn, text) => {
    expect(formatName(dn)).toBe(text);
  });
});

describe('attributeOid', () => {
  it('accepts short names case-insensitively and dotted OIDs as-is', () => {
    expect(attributeOid('cn')).toBe('2.5.4.3');
    expect(attributeOid('2.5.4.97')).toBe('2.5.4.97');
  });
});
