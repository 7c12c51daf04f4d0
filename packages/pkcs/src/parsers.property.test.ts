// Property tests: random and mutated input into every parser ends in a coded PkcsError, never another exception.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate, parseCertificateBundle } from './certificate.js';
import { verifyChain } from './chain.js';
import { createCsr, parseCsr, verifyCsrSignature } from './csr.js';
import { PkcsError } from './errors.js';
import type { PkcsErrorCode } from './errors.js';
import { basicConstraintsExtension, EKU, extendedKeyUsageExtension, keyUsageExtension, subjectAltNameExtension } from './extensions.js';
import { describeSpki, exportPrivateKeyPem, exportSpki, generateKeyPair } from './keys.js';
import { decodePem, decodePemBlocks, encodePem } from './pem.js';
import { derTlv } from './der.js';
import { createTestCa, issueTestLeaf } from './testing/index.js';
import type { TestCa } from './testing/index.js';

const CODES: ReadonlySet<PkcsErrorCode> = new Set<PkcsErrorCode>([
  'PKCS_ERR_PEM_EMPTY', 'PKCS_ERR_PEM_LABEL', 'PKCS_ERR_PEM_MALFORMED', 'PKCS_ERR_PEM_MULTIPLE', 'PKCS_ERR_PEM_HEADERS', 'PKCS_ERR_PEM_TRAILING',
  'PKCS_ERR_DER', 'PKCS_ERR_KEY_UNSUPPORTED', 'PKCS_ERR_KEY_INVALID', 'PKCS_ERR_KEY_MISMATCH', 'PKCS_ERR_CSR_INVALID', 'PKCS_ERR_CERT_INVALID',
  'PKCS_ERR_NAME_INVALID', 'PKCS_ERR_EXTENSION_INVALID',
]);

/** Fails the property unless `fn` returns or throws a PkcsError carrying a catalogued code. */
function onlyCodedErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof PkcsError && CODES.has(e.code)) return true;
    throw new Error(`uncoded failure: ${String(e)}`, { cause: e });
  }
}

async function onlyCodedErrorsAsync(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (e) {
    if (e instanceof PkcsError && CODES.has(e.code)) return true;
    throw new Error(`uncoded failure: ${String(e)}`, { cause: e });
  }
}

type Mutation = { kind: 'flip'; at: number; xor: number } | { kind: 'truncate'; at: number } | { kind: 'insert'; at: number; bytes: Uint8Array } | { kind: 'set'; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x7f, 0x80, 0x81, 0x84, 0xff, 0x30, 0x31, 0x05, 0xa0, 0xa3) }),
);

function mutate(bytes: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of ms) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    if (m.kind === 'flip') out[at]! ^= m.xor;
    else if (m.kind === 'set') out[at] = m.value;
    else if (m.kind === 'truncate') out = out.slice(0, at);
    else out = Uint8Array.from([...out.slice(0, at), ...m.bytes, ...out.slice(at)]);
  }
  return out;
}

const mutatedString = (s: string) =>
  fc.array(fc.record({ at: fc.nat(), ch: fc.constantFrom('-', '=', ':', '\n', ' ', 'A', '/', '+', '#', '\u0000', 'é') , del: fc.boolean() }), { minLength: 1, maxLength: 6 }).map((edits) => {
    let out = s;
    for (const e of edits) {
      const at = e.at % (out.length + 1);
      out = e.del ? out.slice(0, at) + out.slice(at + 1) : out.slice(0, at) + e.ch + out.slice(at);
    }
    return out;
  });

/** Random well-formed DER trees over the tags these structures use (reaches deeper than byte noise). */
const derTree: fc.Arbitrary<Uint8Array> = fc.letrec<{ node: Uint8Array }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.constantFrom(0x02, 0x04, 0x05, 0x0c, 0x13, 0x16, 0x1e, 0x1c, 0x14, 0x17, 0x18, 0x81, 0x82, 0x86, 0x87, 0x88, 0x80), fc.uint8Array({ maxLength: 20 })).map(([t, c]) => derTlv(t, c)),
    fc.constantFrom(
      Uint8Array.of(0x06, 0x03, 0x55, 0x04, 0x03), Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x11), Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x13),
      Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x0f), Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x25), Uint8Array.of(0x01, 0x01, 0xff),
      Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e), Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01),
      Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07), Uint8Array.of(0x03, 0x02, 0x07, 0x80),
    ),
    fc.tuple(fc.constantFrom(0x30, 0x31, 0xa0, 0xa3, 0xa4, 0x03, 0x04), fc.array(tie('node'), { maxLength: 4 })).map(([t, kids]) =>
      t === 0x03 ? derTlv(t, Uint8Array.of(0), ...kids) : derTlv(t, ...kids),
    ),
  ),
})).node;

let csrDer: Uint8Array;
let certDer: Uint8Array;
let spkiDer: Uint8Array;
let keyPem: string;
let root: TestCa;
let bundlePem: string;

beforeAll(async () => {
  const keys = await generateKeyPair();
  const csr = await createCsr({
    subject: [[{ type: 'CN', value: 'fuzz' }, { type: 'O', value: 'multi' }], [{ type: 'CN', value: 'dup' }], [{ type: 'C', value: 'DE' }]],
    keys,
    extensions: [
      subjectAltNameExtension([
        { type: 'dns', value: 'a.example' }, { type: 'ip', value: '2001:db8::1' }, { type: 'otherName', value: '1.2.3:x' },
        { type: 'directoryName', value: 'CN=d' }, { type: 'registeredId', value: '1.2.3.4' }, { type: 'uri', value: 'https://x' }, { type: 'email', value: 'e@x' },
      ]),
      keyUsageExtension(['digitalSignature']), extendedKeyUsageExtension([EKU.clientAuth]), basicConstraintsExtension(false),
    ],
  });
  csrDer = csr.der;
  root = await createTestCa();
  const inter = await createTestCa({ parent: root, pathLength: 0 });
  const leaf = await issueTestLeaf(inter, { subjectAltNames: [{ type: 'dns', value: 'leaf.example' }] });
  certDer = leaf.certificate.der;
  bundlePem = `${leaf.chainPem}${root.certPem}`;
  spkiDer = await exportSpki(keys);
  keyPem = await exportPrivateKeyPem(keys);
});

const RUNS = { numRuns: 300 };

describe('the harness', () => {
  it('fails on a foreign exception and passes a coded one (so the properties below can fail)', () => {
    expect(() => onlyCodedErrors(() => JSON.parse('{'))).toThrow(/uncoded failure/);
    expect(onlyCodedErrors(() => decodePemBlocks(''))).toBe(true);
  });
});

describe('random bytes end in coded errors', () => {
  it.each<[string, (b: Uint8Array) => unknown]>([
    ['parseCsr', (b) => parseCsr(b)],
    ['parseCertificate', (b) => parseCertificate(b)],
    ['describeSpki', (b) => describeSpki(b)],
  ])('%s', (_name, parse) => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => onlyCodedErrors(() => parse(b))), RUNS);
  });

  it.each<[string, (s: string) => unknown]>([
    ['decodePemBlocks', (s) => decodePemBlocks(s)],
    ['decodePemBlocks (explanatory text allowed)', (s) => decodePemBlocks(s, { allowExplanatoryText: true })],
    ['decodePem', (s) => decodePem(s, 'CERTIFICATE')],
    ['parseCsr (text)', (s) => parseCsr(s)],
    ['parseCertificate (text)', (s) => parseCertificate(s)],
    ['parseCertificateBundle', (s) => parseCertificateBundle(s)],
  ])('%s on random text', (_name, parse) => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => onlyCodedErrors(() => parse(s))), RUNS);
  });

  it('importPrivateKeyPem on random bytes wrapped in each key label', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY', 'OTHER'), (b, label) =>
        onlyCodedErrorsAsync(async () => (await import('./keys.js')).importPrivateKeyPem(encodePem(b, label))),
      ),
      { numRuns: 150 },
    );
  });
});

describe('random DER trees in the right places end in coded errors', () => {
  it('parseCsr: SEQUENCE { SEQUENCE { INTEGER 0, tree, tree, [0] trees }, tree, BIT STRING }', () => {
    fc.assert(
      fc.property(derTree, derTree, fc.array(derTree, { maxLength: 3 }), derTree, (subject, spki, attrs, alg) =>
        onlyCodedErrors(() => parseCsr(derTlv(0x30, derTlv(0x30, Uint8Array.of(2, 1, 0), subject, spki, derTlv(0xa0, ...attrs)), alg, Uint8Array.of(3, 1, 0)))),
      ),
      { numRuns: 500 },
    );
  });

  it('parseCsr reports every SAN extension with random contents (decoded or decodeError), never fails the parse', () => {
    fc.assert(
      fc.property(fc.array(derTree, { maxLength: 3 }), (exts) => {
        const valid = parseCsr(csrDer);
        const attr = derTlv(0x30, Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e), derTlv(0x31, derTlv(0x30, ...exts.map((e) => derTlv(0x30, Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x11), derTlv(0x04, e))))));
        const subject = derTlv(0x30);
        const csr = parseCsr(derTlv(0x30, derTlv(0x30, Uint8Array.of(2, 1, 0), subject, valid.spki, derTlv(0xa0, attr)), derTlv(0x30, Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02)), Uint8Array.of(3, 1, 0)));
        expect(csr.extensions).toHaveLength(exts.length);
        for (const [i, e] of csr.extensions.entries()) {
          expect(e.value).toEqual(exts[i]);
          expect((e.decoded === undefined) !== (e.decodeError === undefined)).toBe(true);
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });

  it('describeSpki and parseCertificate on random trees', () => {
    fc.assert(fc.property(derTree, (t) => onlyCodedErrors(() => describeSpki(t)) && onlyCodedErrors(() => parseCertificate(t))), { numRuns: 500 });
  });
});

describe('mutated valid DER ends in coded errors (or still parses)', () => {
  it.each<[string, () => Uint8Array, (b: Uint8Array) => unknown]>([
    ['parseCsr', () => csrDer, (b) => parseCsr(b)],
    ['parseCertificate', () => certDer, (b) => parseCertificate(b)],
    ['describeSpki', () => spkiDer, (b) => describeSpki(b)],
  ])('%s', (_name, seed, parse) => {
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => onlyCodedErrors(() => parse(mutate(seed(), ms)))), { numRuns: 500 });
  });

  it('parseCsr on mutated PEM text', () => {
    fc.assert(fc.property(fc.constant(null).chain(() => mutatedString(encodePem(csrDer, 'CERTIFICATE REQUEST'))), (s) => onlyCodedErrors(() => parseCsr(s))), RUNS);
  });

  it('parseCertificateBundle and decodePemBlocks on mutated bundle text', () => {
    fc.assert(
      fc.property(fc.constant(null).chain(() => mutatedString(bundlePem)), (s) => onlyCodedErrors(() => parseCertificateBundle(s)) && onlyCodedErrors(() => decodePemBlocks(s))),
      RUNS,
    );
  });

  it('importPrivateKeyPem on mutated key DER and text', async () => {
    const der = decodePem(keyPem, 'PRIVATE KEY');
    const { importPrivateKeyPem } = await import('./keys.js');
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => onlyCodedErrorsAsync(() => importPrivateKeyPem(encodePem(mutate(der, ms), 'PRIVATE KEY')))),
      { numRuns: 200 },
    );
    await fc.assert(fc.asyncProperty(mutatedString(keyPem), (s) => onlyCodedErrorsAsync(() => importPrivateKeyPem(s))), { numRuns: 100 });
  });

  it('verifyCsrSignature and verifyChain never throw on whatever still parses', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
        let csr;
        try {
          csr = parseCsr(mutate(csrDer, ms));
        } catch {
          return true;
        }
        expect(typeof (await verifyCsrSignature(csr))).toBe('boolean');
        return true;
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
        let cert;
        try {
          cert = parseCertificate(mutate(certDer, ms));
        } catch {
          return true;
        }
        const r = await verifyChain(cert, { roots: [root.certificate], now: new Date() });
        expect(typeof r.ok).toBe('boolean');
        return true;
      }),
      { numRuns: 200 },
    );
  });
});
