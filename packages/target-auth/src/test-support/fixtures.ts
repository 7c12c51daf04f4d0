// Certificate fixtures for target-auth tests, all built by @certscrape/pkcs/testing.
import { EKU } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf, type TestCa, type TestLeaf } from '@certscrape/pkcs/testing';
import { issueEmptyCnLeaf } from './empty-cn.js';

export const SCRAPER = 'system:serviceaccount:monitoring:prometheus-k8s';
const HOUR = 3_600_000;

/** A serving CA and a 127.0.0.1 serving certificate. */
export interface ServingFixture {
  readonly ca: TestCa;
  readonly leaf: TestLeaf;
}

export async function servingFixture(): Promise<ServingFixture> {
  const ca = await createTestCa({ commonName: 'target serving CA' });
  const leaf = await issueTestLeaf(ca, { commonName: '127.0.0.1', extendedKeyUsages: [EKU.serverAuth], subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }] });
  return { ca, leaf };
}

/** The client certificate matrix: every case the authenticator must answer correctly. */
export interface ClientMatrix {
  readonly trusted: TestCa;
  readonly good: TestLeaf;
  readonly otherUser: TestLeaf;
  readonly viaIntermediate: TestLeaf;
  readonly untrustedCa: TestLeaf;
  readonly fakeCaSameName: TestLeaf;
  readonly selfSigned: TestLeaf;
  readonly expired: TestLeaf;
  readonly notYetValid: TestLeaf;
  readonly serverAuthOnly: TestLeaf;
  readonly codeSigningOnly: TestLeaf;
  readonly signedByLeaf: TestLeaf;
  readonly rogueIntermediate: TestLeaf;
  readonly emptyCn: TestLeaf;
  readonly blankCn: TestLeaf;
  readonly noCn: TestLeaf;
  readonly twoCns: TestLeaf;
  readonly withGroups: TestLeaf;
  readonly noEku: TestLeaf;
}

export async function clientMatrix(): Promise<ClientMatrix> {
  const now = Date.now();
  const trusted = await createTestCa({ commonName: 'metrics client CA' });
  const intermediate = await createTestCa({ commonName: 'metrics client intermediate', parent: trusted });
  const untrusted = await createTestCa({ commonName: 'some other CA' });
  const fake = await createTestCa({ commonName: 'metrics client CA' });
  const rogueInt = await createTestCa({ commonName: 'metrics client intermediate', parent: fake });
  const leafIssuer = await createTestCa({ commonName: SCRAPER, parent: trusted, ca: false });
  const selfSignedCa = await createTestCa({ commonName: SCRAPER, ca: false });
  const selfSigned: TestLeaf = { certificate: selfSignedCa.certificate, keys: selfSignedCa.keys, certPem: selfSignedCa.certPem, keyPem: selfSignedCa.keyPem, chainPem: selfSignedCa.certPem };
  return {
    trusted,
    good: await issueTestLeaf(trusted, { commonName: SCRAPER }),
    otherUser: await issueTestLeaf(trusted, { commonName: 'system:serviceaccount:default:intruder' }),
    viaIntermediate: await issueTestLeaf(intermediate, { commonName: SCRAPER }),
    untrustedCa: await issueTestLeaf(untrusted, { commonName: SCRAPER }),
    fakeCaSameName: await issueTestLeaf(fake, { commonName: SCRAPER }),
    selfSigned,
    expired: await issueTestLeaf(trusted, { commonName: SCRAPER, notBefore: new Date(now - 48 * HOUR), notAfter: new Date(now - 24 * HOUR) }),
    notYetValid: await issueTestLeaf(trusted, { commonName: SCRAPER, notBefore: new Date(now + 24 * HOUR), notAfter: new Date(now + 48 * HOUR) }),
    serverAuthOnly: await issueTestLeaf(trusted, { commonName: SCRAPER, extendedKeyUsages: [EKU.serverAuth] }),
    codeSigningOnly: await issueTestLeaf(trusted, { commonName: SCRAPER, extendedKeyUsages: [EKU.codeSigning] }),
    signedByLeaf: await issueTestLeaf(leafIssuer, { commonName: SCRAPER }),
    rogueIntermediate: await issueTestLeaf(rogueInt, { commonName: SCRAPER }),
    emptyCn: await issueEmptyCnLeaf(trusted),
    blankCn: await issueTestLeaf(trusted, { commonName: '  ' }),
    noCn: await issueTestLeaf(trusted, { subject: [[{ type: 'O', value: 'system:monitoring' }]] }),
    twoCns: await issueTestLeaf(trusted, { subject: [[{ type: 'CN', value: SCRAPER }], [{ type: 'CN', value: 'admin' }]] }),
    withGroups: await issueTestLeaf(trusted, { commonName: 'group-member', organizations: ['system:monitoring', 'team-a'] }),
    noEku: await issueTestLeaf(trusted, { commonName: SCRAPER, extendedKeyUsages: null }),
  };
}
