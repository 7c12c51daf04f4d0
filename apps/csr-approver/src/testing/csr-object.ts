// Unit-test support: CSR objects as kube-apiserver returns them, built from a row of a decision table.
// Not part of the build (tsconfig.lib.json excludes src/testing).
import { serviceAccountUser } from '@certscrape/identity';
import { encodePem } from '@certscrape/pkcs';
import type { ExtensionInput, KeySpec, NameInput } from '@certscrape/pkcs';
import { createTestCsr } from '@certscrape/pkcs/testing';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';

/** The default scraper identity, the default operator requester and the signer the approver serves. */
export const IDENTITY = 'system:serviceaccount:monitoring:prometheus-k8s';
export const OPERATOR = serviceAccountUser({ namespace: 'monitoring', name: 'monitoring-operator' });
export const SIGNER = 'kubernetes.io/kube-apiserver-client';

/** One row: what the request looks like, and overrides of the Kubernetes object. Unset = the honest default. */
export interface CsrRow {
  /** Default `CN=<IDENTITY>`. */
  subject?: NameInput;
  keySpec?: KeySpec;
  extensions?: readonly ExtensionInput[];
  username?: string;
  groups?: readonly string[];
  /** null = no spec.usages at all. Default `digital signature`, `client auth`. */
  usages?: readonly string[] | null;
  signerName?: string;
  expirationSeconds?: number;
  conditions?: { type: string; status: string }[];
  /** `signature`: flip a signature byte; `garbage`: a PEM block that is not a CSR. */
  tamper?: 'signature' | 'garbage';
  /** metadata.labels / annotations (hints the operator sets, never a security boundary). */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A one-RDN subject `CN=<value>`. */
export const cn = (value: string): NameInput => [[{ type: 'CN', value }]];

/** Builds the CSR object for a row: a fresh key, a real PKCS#10 request, resourceVersion 42. */
export async function csrObject(row: CsrRow): Promise<V1CertificateSigningRequest> {
  const { pem, csr } = await createTestCsr({ subject: row.subject ?? cn(IDENTITY), keySpec: row.keySpec ?? { kind: 'ecdsa', curve: 'P-256' }, ...(row.extensions ? { extensions: row.extensions } : {}) });
  let request = pem;
  if (row.tamper === 'signature') {
    const der = Uint8Array.from(csr.der);
    der[der.length - 5] = der[der.length - 5]! ^ 0xff;
    request = encodePem(der, 'CERTIFICATE REQUEST');
  } else if (row.tamper === 'garbage') {
    request = '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n';
  }
  const usages = row.usages === null ? undefined : [...(row.usages ?? ['digital signature', 'client auth'])];
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: {
      name: 'certscrape-metrics-client-abcde',
      resourceVersion: '42',
      ...(row.labels ? { labels: row.labels } : {}),
      ...(row.annotations ? { annotations: row.annotations } : {}),
    },
    spec: {
      request: Buffer.from(request, 'utf8').toString('base64'),
      signerName: row.signerName ?? SIGNER,
      username: row.username ?? OPERATOR.username,
      groups: [...(row.groups ?? OPERATOR.groups)],
      ...(usages ? { usages } : {}),
      ...(row.expirationSeconds === undefined ? {} : { expirationSeconds: row.expirationSeconds }),
    },
    status: row.conditions ? { conditions: row.conditions } : {},
  };
}
