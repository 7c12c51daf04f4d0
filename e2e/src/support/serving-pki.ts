import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EKU, commonNameInput, createCertificate, exportPrivateKeyPem, generateKeyPair } from '@certscrape/pkcs';

/** Files of a serving pair for the targets, plus the CA Prometheus and the proxy verify them with. */
export interface ServingPki {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * Makes the targets' serving PKI with the project's own `@certscrape/pkcs`: a CA
 * ("certscrape e2e serving CA") and one serverAuth leaf for `ipAddress` (the namespace side
 * of the veth pair), valid for a day. Unrelated to the cluster CA: the targets' *serving*
 * identity is site-specific (cert-manager, your PKI) — only the *client* CA is the cluster's.
 */
export async function createServingPki(dir: string, ipAddress: string, now = new Date()): Promise<ServingPki> {
  await mkdir(dir, { recursive: true });
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + 24 * 3600_000);
  const caKeys = await generateKeyPair();
  const ca = await createCertificate({
    subject: commonNameInput('certscrape e2e serving CA'),
    publicKey: caKeys.publicKey,
    signer: { privateKey: caKeys.privateKey },
    notBefore,
    notAfter,
    ca: { pathLength: 0 },
  });
  const leafKeys = await generateKeyPair();
  const leaf = await createCertificate({
    subject: commonNameInput(`certscrape e2e target ${ipAddress}`),
    publicKey: leafKeys.publicKey,
    signer: { privateKey: caKeys.privateKey, certificate: ca },
    notBefore,
    notAfter,
    keyUsages: ['digitalSignature'],
    extendedKeyUsages: [EKU.serverAuth],
    subjectAltNames: [{ type: 'ip', value: ipAddress }],
  });
  const files: ServingPki = { caFile: join(dir, 'serving-ca.crt'), certFile: join(dir, 'serving.crt'), keyFile: join(dir, 'serving.key') };
  await writeFile(files.caFile, ca.pem);
  await writeFile(files.certFile, leaf.pem);
  await writeFile(files.keyFile, await exportPrivateKeyPem(leafKeys), { mode: 0o600 });
  return files;
}
