// Regressions for every name disagreement with Go's encoding/asn1 + crypto/x509 the differential tests found.
import { describe, expect, it } from 'vitest';
import { parseCertificate } from './certificate.js';
import { derOid, derSequence, derTlv } from './der.js';
import { isPkcsError } from './errors.js';
import { decodeNameDer, goNameReading, identityValueProblem } from './names.js';
import { createTestCa, issueTestLeaf } from './testing/index.js';
import { withSubject } from './testing/oracles/x509-arbitraries.js';

const CN = '2.5.4.3';
const O = '2.5.4.10';
const nameWith = (...atvs: [string, number, number[]][]) => derSequence(...atvs.map(([oid, tag, bytes]) => derTlv(0x31, derSequence(derOid(oid), derTlv(tag, Uint8Array.from(bytes))))));
const utf8 = (s: string) => [...new TextEncoder().encode(s)];
const utf16 = (s: string) => [...s].flatMap((c) => [c.charCodeAt(0) >> 8, c.charCodeAt(0) & 0xff]);

describe('attribute values decode as Go decodes them', () => {
  it.each<[string, number, number[], string]>([
    ['a leading U+FEFF in a UTF8String is kept', 0x0c, utf8('\ufeffsystem:masters'), '\ufeffsystem:masters'],
    ['a leading U+FEFF in a BMPString is kept', 0x1e, utf16('\ufeffsystem:masters'), '\ufeffsystem:masters'],
    ['a BMPString 00 00 terminator is dropped (once)', 0x1e, [...utf16('ab'), 0, 0], 'ab'],
    ['a BMPString with two terminators keeps one U+0000', 0x1e, [...utf16('ab'), 0, 0, 0, 0], 'ab\u0000'],
    ['an unpaired surrogate in a BMPString becomes U+FFFD (utf16.Decode)', 0x1e, [0xd8, 0x00, 0x00, 0x41], '\ufffdA'],
    ['a TeletexString is its bytes read as UTF-8, not Latin-1', 0x14, [0xc3, 0xa9], 'é'],
    ['a TeletexString with bytes that are not UTF-8 gets U+FFFD (Go keeps the raw byte)', 0x14, [0x41, 0xff], 'A\ufffd'],
    ['a NumericString decodes', 0x12, utf8('12 34'), '12 34'],
    ["a PrintableString may contain '*' and '&' (Go's leniency)", 0x13, utf8('a*b&c'), 'a*b&c'],
  ])('%s', (_name, tag, bytes, value) => {
    expect(decodeNameDer(nameWith([CN, tag, bytes]))[0]![0]!.value).toBe(value);
  });

  it.each<[string, number, number[]]>([
    ["a PrintableString with '@' (Go refuses the name)", 0x13, utf8('a@b')],
    ['a PrintableString with a byte above 0x7f', 0x13, [0x41, 0xe9]],
    ['an IA5String with a byte above 0x7f', 0x16, [0x41, 0x80]],
    ['a NumericString with a letter', 0x12, utf8('12a')],
  ])('refuses %s', (_name, tag, bytes) => {
    let err: unknown;
    try {
      decodeNameDer(nameWith([CN, tag, bytes]));
    } catch (e) {
      err = e;
    }
    expect(isPkcsError(err, 'PKCS_ERR_NAME_INVALID')).toBe(true);
  });

  it('refuses a certificate whose subject holds a UniversalString or a non-string value, as Go does', async () => {
    const template = (await issueTestLeaf(await createTestCa())).certificate.der;
    for (const subject of [nameWith([CN, 0x1c, [0, 0, 0, 0x41]]), nameWith([CN, 0x02, [5]])]) {
      let err: unknown;
      try {
        parseCertificate(withSubject(template, subject, 'certificate'));
      } catch (e) {
        err = e;
      }
      expect(isPkcsError(err, 'PKCS_ERR_CERT_INVALID')).toBe(true);
    }
  });
});

describe("goNameReading is pkix.Name's reading", () => {
  it.each<[string, Uint8Array, string | undefined, string[]]>([
    ['the last CN wins', nameWith([CN, 0x0c, utf8('a')], [CN, 0x0c, utf8('b')]), 'b', []],
    ['a UniversalString CN is skipped (a CSR keeps it, Go ignores it)', nameWith([CN, 0x0c, utf8('a')], [CN, 0x1c, [0, 0, 0, 0x42]]), 'a', []],
    ['every O counts, empty ones included', nameWith([O, 0x0c, utf8('g')], [O, 0x0c, []]), undefined, ['g', '']],
  ])('%s', (_name, der, cn, orgs) => {
    expect(goNameReading(decodeNameDer(der))).toEqual({ commonName: cn, organizations: orgs });
  });
});

describe('identityValueProblem refuses what must never be an identity', () => {
  it.each<[string, string, boolean]>([
    ['a plain service-account name', 'system:serviceaccount:monitoring:prometheus-k8s', false],
    ['non-ASCII letters', 'grüße', false],
    ['U+FEFF (Cf) in front', '\ufeffsystem:masters', true],
    ['U+200B (Cf) inside', 'system:\u200bmasters', true],
    ['U+0000 (Cc)', 'a\u0000', true],
    ['U+0085 (Cc)', 'a\u0085', true],
    ['U+202E (Cf, bidi override)', '\u202eabc', true],
    ['U+FFFD (bytes Go keeps raw)', 'a\ufffd', true],
    ['an empty value', '', true],
  ])('%s', (_name, value, refused) => {
    expect(identityValueProblem(value) !== undefined).toBe(refused);
  });
});
