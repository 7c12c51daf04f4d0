// Differential tests against Go's crypto/x509 (what kube-apiserver and kube-controller-manager run):
// generated names, certificates, CSRs and chains must be read and judged exactly as Go does, apart from the
// deliberate, documented refusals (docs/security-model.md). Case counts scale with CERTSCRAPE_FUZZ_RUNS
// (`npm run fuzz -w @certscrape/pkcs`); a Go toolchain is required (the test fails without one).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from './certificate.js';
import { verifyChain } from './chain.js';
import { parseCsr } from './csr.js';
import { EKU } from './extensions.js';
import { generateKeyPair, type KeyPair } from './keys.js';
import { goNameReading, isGoString, type DistinguishedName } from './names.js';
import { GO_ORACLE_BUILD_TIMEOUT_MS, goCertificateNames, goCsrNames, goOracleBinary, goVerify, utf8FromHex, type GoName } from './testing/oracles/go-oracle.js';
import { nameArb, sampleChains, withSubject, type CertModel, type ChainModel } from './testing/oracles/x509-arbitraries.js';
import { createTestCa, createTestCsr, issueTestLeaf } from './testing/index.js';

const SCALE = Number(process.env.CERTSCRAPE_FUZZ_RUNS ?? '1');
const SEED = Number(process.env.CERTSCRAPE_FUZZ_SEED ?? Date.now() % 1_000_000);
const IDENTITIES = ['system:serviceaccount:monitoring:prometheus-k8s', 'system:masters'];

/** What pkcs made of one object: an error, or the subject. */
function pkcsRead(read: () => { subject: DistinguishedName }): DistinguishedName | 'error' {
  try {
    return read().subject;
  } catch {
    return 'error';
  }
}

/** Every way our reading differs from Go's, as readable lines (empty when they agree). */
export function nameDisagreements(ours: DistinguishedName | 'error', go: GoName, kind: 'certificate' | 'csr'): string[] {
  if (go.error !== undefined || ours === 'error') {
    return (go.error !== undefined) === (ours === 'error') ? [] : [`parse: go ${go.error ?? 'ok'} / pkcs ${ours === 'error' ? 'error' : 'ok'}`];
  }
  const out: string[] = [];
  if (ours.length !== go.rdns.length) return [`RDN count ${ours.length} vs go ${go.rdns.length}`];
  ours.forEach((rdn, i) => {
    const g = go.rdns[i]!;
    if (rdn.length !== g.length) out.push(`RDN ${i} size ${rdn.length} vs go ${g.length}`);
    rdn.forEach((a, j) => {
      const ga = g[j];
      if (!ga) return;
      if (a.oid !== ga.oid) out.push(`RDN ${i}.${j} oid ${a.oid} vs go ${ga.oid}`);
      if (isGoString(a) !== ga.isString) out.push(`RDN ${i}.${j} string-ness ${isGoString(a)} vs go ${ga.isString}`);
      if (ga.isString && a.value !== utf8FromHex(ga.valueHex)) out.push(`RDN ${i}.${j} value ${JSON.stringify(a.value)} vs go ${JSON.stringify(utf8FromHex(ga.valueHex))}`);
    });
  });
  const reading = goNameReading(ours);
  if ((reading.commonName ?? '') !== utf8FromHex(go.commonNameHex)) out.push(`CommonName ${JSON.stringify(reading.commonName)} vs go ${JSON.stringify(utf8FromHex(go.commonNameHex))}`);
  const goOrgs = go.organizationHex.map(utf8FromHex);
  if (JSON.stringify(reading.organizations) !== JSON.stringify(goOrgs)) out.push(`Organization ${JSON.stringify(reading.organizations)} vs go ${JSON.stringify(goOrgs)}`);
  return out.map((l) => `${kind}: ${l}`);
}

let certTemplate: Uint8Array;
let csrTemplate: Uint8Array;
beforeAll(async () => {
  goOracleBinary(); // fails loudly when Go is missing: these tests never skip
  const ca = await createTestCa();
  certTemplate = (await issueTestLeaf(ca)).certificate.der;
  csrTemplate = (await createTestCsr()).csr.der;
}, GO_ORACLE_BUILD_TIMEOUT_MS);

describe('the Go oracle', () => {
  it('fails with a clear message when no Go toolchain is found (the differential tests never skip)', () => {
    expect(() => goOracleBinary({ go: '/nonexistent/bin/go' })).toThrow(/Go toolchain is required .* golang-go/);
  });
});

describe('names are read as Go reads them (generated)', () => {
  const runs = 400 * SCALE;
  it(`${runs} generated subjects in certificates and in CSRs (seed ${SEED})`, () => {
    const names = fc.sample(nameArb(IDENTITIES), { numRuns: runs, seed: SEED });
    const certs = names.map((n) => withSubject(certTemplate, n.der, 'certificate'));
    const csrs = names.map((n) => withSubject(csrTemplate, n.der, 'csr'));
    const goCerts = goCertificateNames(certs);
    const goCsrs = goCsrNames(csrs);
    const problems: string[] = [];
    names.forEach((n, i) => {
      const lines = [
        ...nameDisagreements(pkcsRead(() => parseCertificate(certs[i]!)), goCerts[i]!, 'certificate'),
        ...nameDisagreements(pkcsRead(() => parseCsr(csrs[i]!)), goCsrs[i]!, 'csr'),
      ];
      if (lines.length > 0) problems.push(`${Buffer.from(n.der).toString('hex')}: ${lines.join('; ')}`);
    });
    expect(problems.slice(0, 10)).toEqual([]);
    // The generator must reach both verdicts, or the comparison proves little.
    expect(goCerts.filter((g) => g.error === undefined).length).toBeGreaterThan(runs / 10);
    expect(goCerts.filter((g) => g.error !== undefined).length).toBeGreaterThan(runs / 20);
  }, 120_000);
});

/** Where pkcs refuses on purpose what Go accepts (docs/security-model.md, "deliberate differences"). */
export function deliberatelyStricter(m: ChainModel): string | undefined {
  const issuers: CertModel[] = [m.root, ...m.intermediates];
  if (m.root.bc !== 'ca') return 'a root must be CA:TRUE';
  if (issuers.some((c) => c.ku === 'no-cert-sign')) return 'an issuer with keyUsage must have keyCertSign';
  if (m.leaf.eku === 'any' || issuers.some((c) => c.eku === 'any')) return 'anyExtendedKeyUsage does not stand for clientAuth (OpenSSL agrees)';
  if (m.leaf.ku === 'no-cert-sign') return 'a client leaf with keyUsage needs digitalSignature or keyAgreement (OpenSSL sslclient)';
  return undefined;
}

describe('chains are judged as Go x509.Verify with KeyUsages [ClientAuth] judges them (generated)', () => {
  let keys: KeyPair[];
  beforeAll(async () => {
    keys = await Promise.all([0, 1, 2, 3].map(() => generateKeyPair()));
  });

  const runs = 120 * SCALE;
  it(`${runs} generated chains (seed ${SEED})`, async () => {
    const { models, built, now, inputs } = await sampleChains(runs, SEED, keys, 'go');
    const verdicts = goVerify(inputs);
    const problems: string[] = [];
    let accepted = 0;
    for (const [i, m] of models.entries()) {
      const b = built[i]!;
      const ours = await verifyChain(b.leaf, { roots: b.roots, intermediates: b.intermediates, now, requiredEku: EKU.clientAuth });
      const go = verdicts[i]!;
      if (ours.ok) accepted++;
      const expected = go.ok && deliberatelyStricter(m) === undefined;
      if (ours.ok !== expected) problems.push(`${JSON.stringify(m)}: pkcs ${ours.ok ? 'ok' : `${ours.reason} (${ours.detail})`} / go ${go.ok ? 'ok' : go.error}`);
      if (ours.ok && go.ok && !go.chains.some((c) => c.length === ours.chain.length)) problems.push(`${JSON.stringify(m)}: chain length ${ours.chain.length} not among Go's ${JSON.stringify(go.chains)}`);
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(accepted).toBeGreaterThan(runs / 10);
    expect(runs - accepted).toBeGreaterThan(runs / 10);
  }, 300_000);
});
