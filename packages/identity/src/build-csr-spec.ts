import { createCsr, type KeyPair } from '@certscrape/pkcs';
import type { CsrPolicy } from './csr-policy.js';
import { USAGE } from './csr-policy.js';
import { DEFAULT_EXPIRATION_SECONDS } from './defaults.js';
import { IdentityError } from './errors.js';
import { identitySubject } from './scraper-identity.js';

/** What the operator puts into a CSR object's `spec` (besides `request` encoding). */
export interface CsrSpec {
  /** PEM text of the PKCS#10 request (the API wants its bytes base64-encoded). */
  readonly request: string;
  readonly signerName: string;
  readonly usages: readonly string[];
  readonly expirationSeconds: number;
}

/**
 * Builds the CSR the policy approves, by construction: subject exactly the identity,
 * no extensions, usages `digital signature` + `client auth` (+ `key encipherment`
 * for RSA), `expirationSeconds` default 2592000 clamped to the policy's maximum.
 * Throws `IDENTITY_ERR_INVALID_EXPIRATION` for a requested lifetime outside the policy.
 */
export async function buildCsrSpec(policy: CsrPolicy, keys: KeyPair, options: { expirationSeconds?: number } = {}, crypto: Crypto = globalThis.crypto): Promise<CsrSpec> {
  const { min, max } = policy.expirationSeconds;
  const expirationSeconds = options.expirationSeconds ?? Math.min(DEFAULT_EXPIRATION_SECONDS, max);
  if (!Number.isSafeInteger(expirationSeconds) || expirationSeconds < min || expirationSeconds > max) {
    throw new IdentityError('IDENTITY_ERR_INVALID_EXPIRATION', `expirationSeconds ${expirationSeconds} is outside the policy's [${min}, ${max}]`);
  }
  const csr = await createCsr({ subject: identitySubject(policy.identity), keys }, crypto);
  const usages = keys.spec.kind === 'rsa' ? [USAGE.digitalSignature, USAGE.keyEncipherment, USAGE.clientAuth] : [USAGE.digitalSignature, USAGE.clientAuth];
  return Object.freeze({ request: csr.pem, signerName: policy.signerName, usages: Object.freeze(usages), expirationSeconds });
}
