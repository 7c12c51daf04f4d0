import { createHash } from 'node:crypto';
import { EKU } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf } from '@certscrape/pkcs/testing';
import type { TestCa, TestLeaf } from '@certscrape/pkcs/testing';

/** The certificates the integration tests need, all built by @certscrape/pkcs/testing. */
export interface ProxyFixtures {
  /** Issues scraper client certificates (what kube-controller-manager's client signer is in a cluster). */
  readonly clientCa: TestCa;
  /** Issues the targets' serving certificates; its bundle is --upstream-ca-file. */
  readonly servingCa: TestCa;
  /** Client certificates A and B: the mounted pair before and after a rotation. */
  readonly clientA: TestLeaf;
  readonly clientB: TestLeaf;
  /** Serving certificate for 127.0.0.1 / localhost. */
  readonly server: TestLeaf;
  /** Serving certificate only for the name `target.internal` (exercises per-target server names). */
  readonly namedServer: TestLeaf;
  /** Serving certificate for 127.0.0.1 from a CA the proxy does not trust. */
  readonly untrustedServer: TestLeaf;
  /** The CA of untrustedServer. */
  readonly rogueCa: TestCa;
}

/** Builds fresh fixtures (ECDSA P-256; valid now-1h .. now+24h). */
export async function createProxyFixtures(): Promise<ProxyFixtures> {
  const [clientCa, servingCa, rogueCa] = await Promise.all([
    createTestCa({ commonName: 'test client CA' }),
    createTestCa({ commonName: 'test serving CA' }),
    createTestCa({ commonName: 'rogue serving CA' }),
  ]);
  const serverOptions = { extendedKeyUsages: [EKU.serverAuth], keyUsages: ['digitalSignature' as const] };
  const [clientA, clientB, server, namedServer, untrustedServer] = await Promise.all([
    issueTestLeaf(clientCa, { commonName: 'system:serviceaccount:monitoring:prometheus-k8s' }),
    issueTestLeaf(clientCa, { commonName: 'system:serviceaccount:monitoring:prometheus-k8s' }),
    issueTestLeaf(servingCa, { ...serverOptions, commonName: 'target', subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }] }),
    issueTestLeaf(servingCa, { ...serverOptions, commonName: 'target.internal', subjectAltNames: [{ type: 'dns', value: 'target.internal' }] }),
    issueTestLeaf(rogueCa, { ...serverOptions, commonName: 'rogue', subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }] }),
  ]);
  return { clientCa, servingCa, clientA, clientB, server, namedServer, untrustedServer, rogueCa };
}

/** SHA-256 (lower-case hex) of a leaf's DER: what the test target records for a presented certificate. */
export function fingerprintOf(leaf: TestLeaf): string {
  return createHash('sha256').update(leaf.certificate.der).digest('hex');
}
