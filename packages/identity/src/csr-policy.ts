import { DEFAULT_EXPIRATION_SECONDS, KUBE_APISERVER_CLIENT_SIGNER, MIN_EXPIRATION_SECONDS } from './defaults.js';
import { IdentityError } from './errors.js';
import { DEFAULT_OPERATOR_SERVICE_ACCOUNT, serviceAccountUser, type ServiceAccountRef } from './service-account.js';
import { DEFAULT_SCRAPER_IDENTITY, scraperIdentity, type ScraperIdentity } from './scraper-identity.js';

/** Kubernetes key usage names as they appear in `spec.usages`. */
export const USAGE = Object.freeze({
  digitalSignature: 'digital signature',
  keyEncipherment: 'key encipherment',
  clientAuth: 'client auth',
});

/**
 * The CSR policy, as data. The operator builds CSRs from it (`buildCsrSpec`) and
 * the approver checks CSRs against it (`evaluateCsr`): one source of truth, so the
 * operator can never build a CSR that the approver would refuse.
 */
export interface CsrPolicy {
  /** Only CSRs for this signer are in scope. Default `kubernetes.io/kube-apiserver-client`. */
  readonly signerName: string;
  /**
   * The identity the operator builds CSRs for (`buildCsrSpec`): the first of {@link CsrPolicy.identities}.
   * The approver never reads it alone; it checks a CSR against the whole set.
   */
  readonly identity: ScraperIdentity;
  /**
   * Every subject a certificate may carry: a CSR is approved only when its subject is exactly one of
   * these (CN = username, O = exactly that identity's groups). Non-empty, usernames distinct.
   * Default: the single default identity.
   */
  readonly identities: readonly ScraperIdentity[];
  /** Who may request it: the operator's service account, username and exact group set. */
  readonly requester: { readonly username: string; readonly groups: readonly string[] };
  /** `spec.usages` must be a subset of these ... */
  readonly allowedUsages: readonly string[];
  /** ... and contain all of these. */
  readonly requiredUsages: readonly string[];
  /** `spec.expirationSeconds`, when set, must lie in [min, max]. Default [600, 2592000]. */
  readonly expirationSeconds: { readonly min: number; readonly max: number };
  /** Accepted public keys: these ECDSA curves, or RSA with at least this many bits. */
  readonly keys: { readonly ecdsaCurves: readonly ('P-256' | 'P-384')[]; readonly rsaMinBits: number; readonly rsaMaxBits: number };
}

/** Options of `createCsrPolicy`; every field has the design.md default. */
export interface CsrPolicyOptions {
  /** The scraper identity, as a username (no groups) or a full identity. Not together with `scraperIdentities`. */
  readonly scraperIdentity?: string | ScraperIdentity;
  /**
   * Several scraper identities (the approver's set); the first is `identity`. Non-empty, usernames distinct.
   * Not together with `scraperIdentity`. Default: `[scraperIdentity ?? DEFAULT_SCRAPER_IDENTITY]`.
   */
  readonly scraperIdentities?: readonly (string | ScraperIdentity)[];
  /** The operator's service account. Default `monitoring/monitoring-operator`. */
  readonly operatorServiceAccount?: ServiceAccountRef;
  /** Signer. Default `kubernetes.io/kube-apiserver-client`. */
  readonly signerName?: string;
  /** Upper bound on `spec.expirationSeconds`. Default 2592000 (30 days); at least 600. */
  readonly maxExpirationSeconds?: number;
}

/** Builds a validated, frozen policy. Throws `IdentityError` on an invalid option. */
export function createCsrPolicy(options: CsrPolicyOptions = {}): CsrPolicy {
  const identities = policyIdentities(options);
  const requester = serviceAccountUser(options.operatorServiceAccount ?? DEFAULT_OPERATOR_SERVICE_ACCOUNT);
  if (identities.some((id) => id.username === requester.username)) {
    throw new IdentityError('IDENTITY_ERR_INVALID_POLICY', 'the scraper identity must differ from the requester: a service account must not mint certificates for itself');
  }
  const max = options.maxExpirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (!Number.isSafeInteger(max) || max < MIN_EXPIRATION_SECONDS) {
    throw new IdentityError('IDENTITY_ERR_INVALID_POLICY', `maxExpirationSeconds must be an integer >= ${MIN_EXPIRATION_SECONDS}, got ${max}`);
  }
  const signerName = options.signerName ?? KUBE_APISERVER_CLIENT_SIGNER;
  if (!/^[a-z0-9.-]+\/[A-Za-z0-9._-]+$/.test(signerName)) {
    throw new IdentityError('IDENTITY_ERR_INVALID_POLICY', `invalid signer name ${JSON.stringify(signerName)}`);
  }
  return deepFreeze({
    signerName,
    identity: identities[0]!,
    identities,
    requester,
    allowedUsages: [USAGE.digitalSignature, USAGE.keyEncipherment, USAGE.clientAuth],
    requiredUsages: [USAGE.clientAuth],
    expirationSeconds: { min: MIN_EXPIRATION_SECONDS, max },
    keys: { ecdsaCurves: ['P-256', 'P-384'], rsaMinBits: 2048, rsaMaxBits: 8192 },
  });
}

function validIdentity(id: string | ScraperIdentity): ScraperIdentity {
  return typeof id === 'string' ? scraperIdentity(id) : scraperIdentity(id.username, id.groups);
}

function policyIdentities(options: CsrPolicyOptions): ScraperIdentity[] {
  if (options.scraperIdentities === undefined) return [options.scraperIdentity === undefined ? DEFAULT_SCRAPER_IDENTITY : validIdentity(options.scraperIdentity)];
  if (options.scraperIdentity !== undefined) {
    throw new IdentityError('IDENTITY_ERR_INVALID_POLICY', 'give either one scraper identity or a set of them, not both');
  }
  const identities = options.scraperIdentities.map(validIdentity);
  if (identities.length === 0) throw new IdentityError('IDENTITY_ERR_INVALID_POLICY', 'the set of scraper identities is empty');
  const seen = new Set<string>();
  for (const id of identities) {
    // Two entries with one username would be two group sets for one user: the set could not say which subject is meant.
    if (seen.has(id.username)) throw new IdentityError('IDENTITY_ERR_INVALID_POLICY', `scraper identity ${JSON.stringify(id.username)} is listed twice`);
    seen.add(id.username);
  }
  return identities;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
