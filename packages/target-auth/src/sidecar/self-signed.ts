import { isIP } from 'node:net';
import { EKU, commonNameInput, createCertificate, exportPrivateKeyPem, generateKeyPair, type GeneralName } from '@certscrape/pkcs';
import type { ServingPair } from '../serving-cert.js';

/**
 * A self-signed ECDSA P-256 serving pair for when no `--tls-cert-file` is given (kube-rbac-proxy
 * does the same): CN `certscrape-target-auth`, SANs `localhost`, 127.0.0.1, ::1 and the listen host,
 * valid from one hour ago for one year. Generated in memory; the key is never written anywhere.
 */
export async function selfSignedServingPair(listenHost: string, now: Date = new Date()): Promise<ServingPair> {
  const keys = await generateKeyPair();
  const sans: GeneralName[] = [
    { type: 'dns', value: 'localhost' },
    { type: 'ip', value: '127.0.0.1' },
    { type: 'ip', value: '::1' },
  ];
  if (isIP(listenHost) !== 0 && listenHost !== '0.0.0.0' && listenHost !== '::' && !sans.some((s) => s.value === listenHost)) sans.push({ type: 'ip', value: listenHost });
  else if (isIP(listenHost) === 0 && listenHost !== 'localhost') sans.push({ type: 'dns', value: listenHost });
  const cert = await createCertificate({
    subject: commonNameInput('certscrape-target-auth'),
    publicKey: keys.publicKey,
    signer: { privateKey: keys.privateKey },
    notBefore: new Date(now.getTime() - 3_600_000),
    notAfter: new Date(now.getTime() + 365 * 24 * 3_600_000),
    keyUsages: ['digitalSignature'],
    extendedKeyUsages: [EKU.serverAuth],
    subjectAltNames: sans,
  });
  return { cert: Buffer.from(cert.pem), key: Buffer.from(await exportPrivateKeyPem(keys)) };
}
