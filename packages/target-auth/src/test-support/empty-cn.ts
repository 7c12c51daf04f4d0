// pkcs refuses to build an empty CN (rightly); a hostile fixture needs one, so this builds it
// with @peculiar/x509 directly, signed by a pkcs test CA.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { EKU, exportPrivateKeyPem, generateKeyPair, parseCertificate } from '@certscrape/pkcs';
import type { TestCa, TestLeaf } from '@certscrape/pkcs/testing';

export async function issueEmptyCnLeaf(ca: TestCa): Promise<TestLeaf> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await generateKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '7e57',
    subject: new x509.Name([{ '2.5.4.3': [''] }]),
    issuer: new x509.Name(new Uint8Array(ca.certificate.subjectDer)),
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 3_600_000),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [new x509.ExtendedKeyUsageExtension([EKU.clientAuth])],
  });
  const certificate = parseCertificate(cert.toString('pem'));
  return { certificate, keys, certPem: certificate.pem, keyPem: await exportPrivateKeyPem(keys), chainPem: certificate.pem };
}
