import { describe, expect, it } from 'vitest';
import { decodePem, decodePemBlocks, encodePem } from './pem.js';
import { isPkcsError } from './errors.js';
import type { PkcsErrorCode } from './errors.js';

const der = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff);
const block = encodePem(der, 'CERTIFICATE');
const other = encodePem(Uint8Array.of(1, 2, 3), 'PRIVATE KEY');

function codeOf(fn: () => unknown): PkcsErrorCode | 'no error' | 'foreign error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return isPkcsError(e) ? e.code : 'foreign error';
  }
}

describe('encodePem', () => {
  it('wraps base64 at 64 columns and ends with a newline', () => {
    const pem = encodePem(new Uint8Array(100), 'X');
    const lines = pem.split('\n');
    expect(lines[0]).toBe('-----BEGIN X-----');
    expect(lines[1]).toHaveLength(64);
    expect(pem.endsWith('-----END X-----\n')).toBe(true);
  });

  it.each([0, 1, 2, 3, 47, 48, 49, 200])('round-trips %i bytes through decodePem', (n) => {
    const bytes = Uint8Array.from({ length: n || 1 }, (_, i) => (i * 7 + n) & 0xff);
    expect(decodePem(encodePem(bytes, 'DATA'), 'DATA')).toEqual(bytes);
  });
});

describe('decodePemBlocks', () => {
  it('returns every block in order with its label', () => {
    const blocks = decodePemBlocks(block + other);
    expect(blocks.map((b) => b.label)).toEqual(['CERTIFICATE', 'PRIVATE KEY']);
    expect(blocks[0]!.der).toEqual(der);
  });

  it('accepts CRLF line endings and blank lines between blocks', () => {
    expect(decodePemBlocks(`\r\n${block.replace(/\n/g, '\r\n')}\r\n\r\n${other}`)).toHaveLength(2);
  });

  it('allows explanatory text only when asked', () => {
    const text = `subject=CN=x\n${block}trailing words\n`;
    expect(codeOf(() => decodePemBlocks(text))).toBe('PKCS_ERR_PEM_TRAILING');
    expect(decodePemBlocks(text, { allowExplanatoryText: true })).toHaveLength(1);
  });

  const body = block.split('\n').slice(1, -2);
  it.each<[string, string, PkcsErrorCode]>([
    ['empty input', '', 'PKCS_ERR_PEM_EMPTY'],
    ['whitespace only', ' \n\t\n', 'PKCS_ERR_PEM_EMPTY'],
    ['text without blocks', 'hello', 'PKCS_ERR_PEM_TRAILING'],
    ['missing END', `-----BEGIN CERTIFICATE-----\n${body.join('\n')}\n`, 'PKCS_ERR_PEM_MALFORMED'],
    ['mismatched END label', `-----BEGIN CERTIFICATE-----\n${body.join('\n')}\n-----END X509 CRL-----\n`, 'PKCS_ERR_PEM_MALFORMED'],
    ['RFC 1421 headers', `-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\n${body.join('\n')}\n-----END CERTIFICATE-----\n`, 'PKCS_ERR_PEM_HEADERS'],
    ['invalid base64 character', `-----BEGIN CERTIFICATE-----\n${body[0]!.slice(0, 10)}*${body[0]!.slice(11)}\n-----END CERTIFICATE-----\n`, 'PKCS_ERR_PEM_MALFORMED'],
    ['padding in the middle', `-----BEGIN CERTIFICATE-----\nAA==AAAA\n-----END CERTIFICATE-----\n`, 'PKCS_ERR_PEM_MALFORMED'],
    ['truncated base64', `-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n`, 'PKCS_ERR_PEM_MALFORMED'],
    ['non-canonical padding bits', `-----BEGIN CERTIFICATE-----\nAB==\n-----END CERTIFICATE-----\n`, 'PKCS_ERR_PEM_MALFORMED'],
    ['empty body', `-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n`, 'PKCS_ERR_PEM_MALFORMED'],
    ['nested BEGIN', `-----BEGIN CERTIFICATE-----\n${block}-----END CERTIFICATE-----\n`, 'PKCS_ERR_PEM_MALFORMED'],
    ['broken boundary line', `----BEGIN CERTIFICATE-----\n${body.join('\n')}\n-----END CERTIFICATE-----\n`, 'PKCS_ERR_PEM_MALFORMED'],
  ])('rejects %s', (_name, text, code) => {
    expect(codeOf(() => decodePemBlocks(text))).toBe(code);
  });
});

describe('decodePem', () => {
  it('returns the DER of exactly one block with exactly the label', () => {
    expect(decodePem(block, 'CERTIFICATE')).toEqual(der);
  });

  it.each<[string, string, PkcsErrorCode]>([
    ['another label', other, 'PKCS_ERR_PEM_LABEL'],
    ['a label differing only in case', block.replace(/CERTIFICATE/g, 'Certificate'), 'PKCS_ERR_PEM_LABEL'],
    ['two blocks', block + block, 'PKCS_ERR_PEM_MULTIPLE'],
    ['no block', '', 'PKCS_ERR_PEM_EMPTY'],
  ])('rejects %s', (_name, text, code) => {
    expect(codeOf(() => decodePem(text, 'CERTIFICATE'))).toBe(code);
  });
});
