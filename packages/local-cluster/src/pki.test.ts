import { EKU, formatName, importPrivateKeyPem, parseCertificate, verifyChain, certificateMatchesKey, decodePem, describeSpki } from '@certscrape/pkcs';
import { describe, expect, it } from 'vitest';
import { apiserverSubjectAltNames, createClusterPki, createSigningCa, initialClientCaBundle, joinPemBundle } from './pki.js';
import { pemBlocks } from './client-ca-publication.js';

const now = new Date('2026-01-01T00:00:00Z');

describe('createClusterPki', async () => {
  const pki = await createClusterPki({ bindAddress: '10.200.0.1', now });
  const ca = parseCertificate(pki.ca.certPem);

  it('makes a CA valid from an hour before now for ten years', () => {
    expect(ca.basicConstraints?.ca).toBe(true);
    expect(ca.notBefore.toISOString()).toBe('2025-12-31T23:00:00.000Z');
    expect(ca.notAfter.getUTCFullYear()).toBe(2035);
  });

  it.each([
    ['apiserverServing', 'CN=kube-apiserver', EKU.serverAuth],
    ['admin', 'CN=kubernetes-admin,O=system:masters', EKU.clientAuth],
    ['controllerManagerClient', 'CN=system:kube-controller-manager,O=system:masters', EKU.clientAuth],
    ['controllerManagerServing', 'CN=kube-controller-manager', EKU.serverAuth],
  ] as const)('%s chains to the CA, matches its key, has subject %s and the right EKU', async (which, subject, eku) => {
    const pair = pki[which];
    const cert = parseCertificate(pair.certPem);
    expect(formatName(cert.subject).split(/,\s*/).sort()).toEqual(subject.split(',').sort());
    expect(cert.extendedKeyUsage).toEqual([eku]);
    const chain = await verifyChain(cert, { roots: [ca], now, requiredEku: eku });
    expect(chain.ok).toBe(true);
    expect(await certificateMatchesKey(cert, await importPrivateKeyPem(pair.keyPem))).toBe(true);
  });

  it('covers loopback, the service IP, the kubernetes names and the bind address in the serving certificate', () => {
    const cert = parseCertificate(pki.apiserverServing.certPem);
    const san = cert.extensions.find((e) => e.decoded?.kind === 'subjectAltName')?.decoded;
    expect(san?.kind === 'subjectAltName' ? san.names : []).toEqual(expect.arrayContaining([
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '10.200.0.1' },
      { type: 'ip', value: '10.0.0.1' },
      { type: 'dns', value: 'localhost' },
      { type: 'dns', value: 'kubernetes.default.svc' },
    ]));
  });

  it('writes the service-account key as PKCS#8 and its public half as SPKI', async () => {
    expect(pki.serviceAccount.keyPem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(describeSpki(decodePem(pki.serviceAccount.publicKeyPem, 'PUBLIC KEY'))).toEqual({ kind: 'ecdsa', curve: 'P-256' });
    await expect(importPrivateKeyPem(pki.serviceAccount.keyPem)).resolves.toBeDefined();
  });
});

describe('apiserverSubjectAltNames', () => {
  it('adds a specific bind address once, and never 0.0.0.0', () => {
    const ips = (b: string): string[] => apiserverSubjectAltNames(b).filter((n) => n.type === 'ip').map((n) => n.value);
    expect(ips('127.0.0.1')).toEqual(['127.0.0.1', '::1', '10.0.0.1']);
    expect(ips('0.0.0.0')).toEqual(['127.0.0.1', '::1', '10.0.0.1']);
    expect(ips('192.168.7.1')).toEqual(['127.0.0.1', '::1', '10.0.0.1', '192.168.7.1']);
  });
});

describe('signing CAs and the client CA bundle', async () => {
  const single = await createClusterPki({ bindAddress: '127.0.0.1', now });
  const separate = await createClusterPki({ bindAddress: '127.0.0.1', now, separateSigningCa: true });

  it('without separateSigningCa there is no signer and the bundle is the cluster CA alone', () => {
    expect(single.signer).toBeUndefined();
    expect(pemBlocks(initialClientCaBundle(single))).toEqual([single.ca.certPem.trim()]);
  });

  it('with separateSigningCa the signer is its own self-signed CA, and the bundle holds the cluster CA then the signer', async () => {
    const signer = parseCertificate(separate.signer!.certPem);
    expect(formatName(signer.subject)).toBe('CN=certscrape-local-cluster-signer');
    expect(signer.basicConstraints?.ca).toBe(true);
    expect(await certificateMatchesKey(signer, await importPrivateKeyPem(separate.signer!.keyPem))).toBe(true);
    expect(separate.signer!.certPem).not.toBe(separate.ca.certPem);
    expect(pemBlocks(initialClientCaBundle(separate))).toEqual([separate.ca.certPem.trim(), separate.signer!.certPem.trim()]);
  });

  it('createSigningCa makes a CA with the given CN, valid from an hour before now', async () => {
    const pair = await createSigningCa({ commonName: 'certscrape-local-cluster-signer-2', now, validityDays: 30 });
    const cert = parseCertificate(pair.certPem);
    expect(formatName(cert.subject)).toBe('CN=certscrape-local-cluster-signer-2');
    expect(formatName(cert.issuer)).toBe('CN=certscrape-local-cluster-signer-2');
    expect(cert.notBefore.toISOString()).toBe('2025-12-31T23:00:00.000Z');
    expect(cert.notAfter.toISOString()).toBe('2026-01-31T00:00:00.000Z');
  });

  it('joinPemBundle trims each certificate and ends every one with a newline; pemBlocks reads them back in order', () => {
    const text = joinPemBundle([`\n${single.ca.certPem}\n\n`, separate.ca.certPem]);
    expect(text.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
    expect(pemBlocks(text)).toEqual([single.ca.certPem.trim(), separate.ca.certPem.trim()]);
  });
});

