import { describe, expect, it } from 'vitest';
import { commonNameInput, createCertificate, exportPrivateKeyPem, generateKeyPair } from '@certscrape/pkcs';
import { checkPair, serialOf } from './pair-check.js';

async function selfSigned(): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const cert = await createCertificate({ subject: commonNameInput('pair-check'), publicKey: keys.publicKey, signer: { privateKey: keys.privateKey }, notBefore: new Date(), notAfter: new Date(Date.now() + 3600_000) });
  return { certPem: cert.pem, keyPem: await exportPrivateKeyPem(keys) };
}

describe('checkPair (every watch event of the Secret in the fault matrix)', () => {
  it('if the key is the certificate\'s, the pair matches', async () => {
    const { certPem, keyPem } = await selfSigned();
    expect(await checkPair(certPem, keyPem)).toBe('match');
    expect(serialOf(certPem)).toMatch(/^[0-9a-f]+$/);
  });

  it('if tls.key holds another key (the tampering fault), the pair mismatches', async () => {
    const a = await selfSigned();
    const b = await selfSigned();
    expect(await checkPair(a.certPem, b.keyPem)).toBe('mismatch');
  });

  it('if a half is missing it is incomplete; if a half does not parse it counts as a mismatch', async () => {
    const { certPem, keyPem } = await selfSigned();
    expect(await checkPair(certPem, undefined)).toBe('incomplete');
    expect(await checkPair(undefined, keyPem)).toBe('incomplete');
    expect(await checkPair(certPem, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')).toBe('mismatch');
  });
});
