import { EKU, formatName, importPrivateKeyPem, parseCertificate, verifyChain, certificateMatchesKey, decodePem, describeSpki } from '@certscrape/pkcs';
import { describe, expect, it } from 'vitest';
import { apiserverSubjectAltNames, createClusterPki } from './pki.js';

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
