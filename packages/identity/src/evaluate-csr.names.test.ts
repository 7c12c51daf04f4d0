// The approver reads a CSR's subject as Go does (kube-apiserver and the signer run Go's crypto/x509):
// regressions for every disagreement found, as sentences; then the generated differential against the Go oracle.
import { parseCsr } from '@certscrape/pkcs';
import { createTestCsr } from '@certscrape/pkcs/testing';
import { derOid, derSequence, derTlv, encodeGeneratedName, GO_ORACLE_BUILD_TIMEOUT_MS, goCsrNames, goOracleBinary, identityNameArb, nameArb, utf8FromHex } from '@certscrape/pkcs/testing/oracles';
import type { GeneratedName } from '@certscrape/pkcs/testing/oracles';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCsrPolicy } from './csr-policy.js';
import type { CsrView } from './csr-view.js';
import type { ScraperIdentity } from './scraper-identity.js';
import { evaluateCsr, type CsrDecision } from './evaluate-csr.js';
import type { RuleCode } from './violation.js';

const policy = createCsrPolicy();
const ID = policy.identity.username;
const OPERATOR = policy.requester;
const CN = '2.5.4.3';

const utf16 = (s: string) => Uint8Array.from([...s].flatMap((c) => [c.charCodeAt(0) >> 8, c.charCodeAt(0) & 0xff]));
/** A one-RDN subject `CN=<value>` with the value encoded as given (tag + bytes). */
const cnOf = (tag: number, bytes: Uint8Array) => derSequence(derTlv(0x31, derSequence(derOid(CN), derTlv(tag, bytes))));

function view(pem: string, spec: Partial<CsrView> = {}): CsrView {
  return { name: 'csr-1', signerName: policy.signerName, username: OPERATOR.username, groups: OPERATOR.groups, usages: ['digital signature', 'client auth'], expirationSeconds: undefined, request: pem, conditions: [], ...spec };
}
const rules = (d: CsrDecision): RuleCode[] => (d.result === 'deny' ? [...new Set(d.violations.map((v) => v.rule))].sort() : []);
const OTHER = { username: 'system:serviceaccount:default:someone', groups: ['system:authenticated'] };

describe('evaluateCsr reads the subject as Go does (regressions)', () => {
  it.each<[string, Uint8Array, Partial<CsrView>, CsrDecision['result'], RuleCode[]]>([
    ['if the operator asks for CN "\\ufeff<identity>" (UTF8String), deny: Go reads the U+FEFF', cnOf(0x0c, new TextEncoder().encode(`\ufeff${ID}`)), {}, 'deny', ['subject-character', 'subject-common-name']],
    ['if the operator asks for CN "\\ufeff<identity>" as a BMPString, deny', cnOf(0x1e, utf16(`\ufeff${ID}`)), {}, 'deny', ['subject-character', 'subject-common-name', 'subject-string-type']],
    ['if the operator asks for CN "<identity>\\u200b", deny (format character)', cnOf(0x0c, new TextEncoder().encode(`${ID}\u200b`)), {}, 'deny', ['subject-character', 'subject-common-name']],
    ['if the operator asks for the identity as a BMPString with a 00 00 terminator, deny (not the operator\'s encoding)', cnOf(0x1e, Uint8Array.from([...utf16(ID), 0, 0])), {}, 'deny', ['subject-string-type']],
    ['if another requester names the identity as a BMPString with a terminator, deny: Go reads exactly the identity', cnOf(0x1e, Uint8Array.from([...utf16(ID), 0, 0])), OTHER, 'deny', ['requester-groups', 'requester-username', 'subject-string-type']],
    ['if another requester names the identity in a TeletexString, deny: Go reads exactly the identity', cnOf(0x14, new TextEncoder().encode(ID)), OTHER, 'deny', ['requester-groups', 'requester-username', 'subject-string-type']],
    ['if the operator asks for the identity as a PrintableString, deny (not the operator\'s encoding)', cnOf(0x13, new TextEncoder().encode('prometheus')), {}, 'deny', ['subject-common-name', 'subject-string-type']],
  ])('%s', async (_sentence, subject, spec, result, expected) => {
    const { pem } = await createTestCsr({ subject });
    const decision = await evaluateCsr(view(pem, spec), policy);
    expect(decision.result).toBe(result);
    expect(rules(decision)).toEqual([...expected].sort());
  });
});

describe('evaluateCsr states only true reasons for keys and signatures it cannot check (regressions)', () => {
  /** A CSR signed with Ed25519 (WebCrypto), built by hand: pkcs neither creates nor verifies Ed25519. */
  async function ed25519Csr(): Promise<string> {
    const keys = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
    const info = derSequence(derTlv(0x02, Uint8Array.of(0)), encodeGeneratedName([[{ oid: CN, value: ID, encoding: { tag: 'utf8', twist: 'none' } }]]), spki, derTlv(0xa0));
    const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, keys.privateKey, new Uint8Array(info)));
    const der = derSequence(info, derSequence(derOid('1.3.101.112')), derTlv(0x03, Uint8Array.of(0), sig));
    return parseCsr(der).pem;
  }

  it('if the key is Ed25519 (and its signature is good), deny for the key alone, never "signature does not verify"', async () => {
    const decision = await evaluateCsr(view(await ed25519Csr()), policy);
    expect(rules(decision)).toEqual(['key-unsupported']);
  });

  it('if an allowed key signs with an algorithm we cannot check (ecdsa-with-SHA1), deny as signature-unsupported, not as signature-invalid', async () => {
    const { csr } = await createTestCsr({ commonName: ID });
    const reencoded = withSignatureAlgorithm(csr.der, derSequence(derOid('1.2.840.10045.4.1')));
    const decision = await evaluateCsr(view(parseCsr(reencoded).pem), policy);
    expect(rules(decision)).toEqual(['signature-unsupported']);
  });
});

/** Replaces the outer signatureAlgorithm of a CSR (the signature bytes stay). */
function withSignatureAlgorithm(der: Uint8Array, alg: Uint8Array): Uint8Array {
  const children: Uint8Array[] = [];
  let p = der[1]! & 0x80 ? 2 + (der[1]! & 0x7f) : 2;
  while (p < der.length) {
    const lenByte = der[p + 1]!;
    const n = lenByte & 0x80 ? lenByte & 0x7f : 0;
    let len = n ? 0 : lenByte;
    for (let k = 0; k < n; k++) len = len * 256 + der[p + 2 + k]!;
    const end = p + 2 + n + len;
    children.push(der.subarray(p, end));
    p = end;
  }
  return derSequence(children[0]!, alg, children[2]!);
}

/** CSRs with the generated subjects; names pkcs refuses are left out (the pkcs differential proves Go refuses them too). */
async function csrsOf(names: readonly GeneratedName[]): Promise<{ pem: string; der: Uint8Array }[]> {
  const csrs: { pem: string; der: Uint8Array }[] = [];
  for (const n of names) {
    try {
      const { csr } = await createTestCsr({ subject: n.der });
      csrs.push({ pem: csr.pem, der: csr.der });
    } catch {
      // refused by pkcs: see above
    }
  }
  return csrs;
}

describe('evaluateCsr agrees with Go on generated subjects', () => {
  beforeAll(() => {
    goOracleBinary(); // no Go toolchain: fail, never skip
  }, GO_ORACLE_BUILD_TIMEOUT_MS);
  const runs = 150 * Number(process.env.CERTSCRAPE_FUZZ_RUNS ?? '1');
  const seed = Number(process.env.CERTSCRAPE_FUZZ_SEED ?? Date.now() % 1_000_000);
  it(`${runs} generated subjects: approved only when Go reads exactly the identity; in scope whenever Go reads the identity (seed ${seed})`, async () => {
    const csrs = await csrsOf(fc.sample(fc.oneof(nameArb([ID, 'system:masters']), identityNameArb(ID, [])), { numRuns: runs, seed }));
    const go = goCsrNames(csrs.map((c) => c.der));
    const problems: string[] = [];
    let approved = 0;
    for (const [i, c] of csrs.entries()) {
      const g = go[i]!;
      const fromOperator = await evaluateCsr(view(c.pem), policy);
      const fromOther = await evaluateCsr(view(c.pem, OTHER), policy);
      const goCn = g.error === undefined ? utf8FromHex(g.commonNameHex) : undefined;
      const exactlyIdentity = g.error === undefined && goCn === ID && g.organizationHex.length === 0 && g.rdns.length === 1 && g.rdns[0]!.length === 1 && g.rdns[0]![0]!.tag === 0x0c;
      if (fromOperator.result === 'approve') approved++;
      if (fromOperator.result === 'approve' && !exactlyIdentity) problems.push(`approved although Go reads ${JSON.stringify(g)}`);
      if (exactlyIdentity && fromOperator.result !== 'approve') problems.push(`denied although Go reads exactly the identity: ${JSON.stringify(fromOperator)}`);
      if (goCn === ID && fromOther.result !== 'deny') problems.push(`another requester's CSR that Go reads as the identity was ${fromOther.result}`);
      if (fromOther.result === 'approve') problems.push('approved another requester');
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(approved).toBeGreaterThan(0);
  }, 300_000);
});

describe('evaluateCsr with two identities agrees with Go on generated subjects', () => {
  beforeAll(() => {
    goOracleBinary(); // no Go toolchain: fail, never skip
  }, GO_ORACLE_BUILD_TIMEOUT_MS);
  const PLATFORM: ScraperIdentity = { username: ID, groups: [] };
  const TENANT: ScraperIdentity = { username: 'system:serviceaccount:monitoring-user-workload:prometheus-user-workload', groups: ['certscrape:user-workload'] };
  const two = createCsrPolicy({ scraperIdentities: [PLATFORM, TENANT] });
  const runs = 150 * Number(process.env.CERTSCRAPE_FUZZ_RUNS ?? '1');
  const seed = Number(process.env.CERTSCRAPE_FUZZ_SEED ?? Date.now() % 1_000_000);
  const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

  it(`${runs} generated subjects: approved only when Go reads exactly one configured identity (CN and O); in scope whenever Go reads either (seed ${seed})`, async () => {
    const targets = [PLATFORM.username, TENANT.username, TENANT.groups[0]!, 'system:masters'];
    const csrs = await csrsOf(fc.sample(fc.oneof(nameArb(targets), identityNameArb(PLATFORM.username, PLATFORM.groups), identityNameArb(TENANT.username, TENANT.groups)), { numRuns: runs, seed }));
    const go = goCsrNames(csrs.map((c) => c.der));
    const problems: string[] = [];
    const approvedFor = new Set<string>();
    for (const [i, c] of csrs.entries()) {
      const g = go[i]!;
      const fromOperator = await evaluateCsr(view(c.pem), two);
      const fromOther = await evaluateCsr(view(c.pem, OTHER), two);
      const goCn = g.error === undefined ? utf8FromHex(g.commonNameHex) : undefined;
      const goIdentity = [PLATFORM, TENANT].find((id) => id.username === goCn);
      // Exactly one identity as Go (kube-apiserver) reads it: its CN first, exactly its groups as O, one UTF8String per RDN.
      const exactly =
        g.error === undefined && goIdentity !== undefined &&
        g.rdns.length === 1 + goIdentity.groups.length && g.rdns.every((rdn) => rdn.length === 1 && rdn[0]!.tag === 0x0c) && g.rdns[0]![0]!.oid === '2.5.4.3' &&
        JSON.stringify([...g.organizationHex].sort()) === JSON.stringify(goIdentity.groups.map(hex).sort());
      if (fromOperator.result === 'approve') approvedFor.add(goCn ?? '?');
      if (fromOperator.result === 'approve' && !exactly) problems.push(`approved although Go reads ${JSON.stringify(g)}`);
      if (exactly && fromOperator.result !== 'approve') problems.push(`denied although Go reads exactly ${goCn}: ${JSON.stringify(fromOperator)}`);
      if (goIdentity !== undefined && fromOther.result !== 'deny') problems.push(`another requester's CSR that Go reads as ${goCn} was ${fromOther.result}`);
      if (fromOther.result === 'approve') problems.push('approved another requester');
    }
    expect(problems.slice(0, 10)).toEqual([]);
    // Both identities were reached by the generator, so the property was exercised for each.
    expect([...approvedFor].sort()).toEqual([PLATFORM.username, TENANT.username].sort());
  }, 300_000);
});
