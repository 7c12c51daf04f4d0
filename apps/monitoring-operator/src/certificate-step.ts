import type { V1CertificateSigningRequest, V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { exportPrivateKeyPem, exportSpki, generateKeyPair, importPrivateKeyPem, parseCertificate, type KeyPair, type ParsedCertificate } from '@certscrape/pkcs';
import { buildCsrSpec, checkScraperCertificate, type CsrPolicy } from '@certscrape/identity';
import { backoffDelay, type BackoffOptions } from '@certscrape/kube-runtime';
import { readCaSource } from './ca-mirror.js';
import { buildCsrObject, issuedCertificatePem, newCsrName, observeCsr } from './csr-object.js';
import { assessInstalledPair, toHex } from './installed-pair.js';
import type { ObjectWrite } from './object-write.js';
import { decodePendingState, IDENTITY_ANNOTATION, pendingStateSecret, type PendingState } from './pending-state.js';
import { plan, type AbandonOutcome, type Action, type InstalledPair } from './plan.js';
import type { SignerProbePolicy } from './signer-rotation.js';
import { desiredTlsSecret, secretIdentity, TLS_SECRET_TYPE } from './tls-secret.js';

/** Reasons of the Kubernetes Events the operator records on the target Secret. */
export const EVENT_REASON: Readonly<Record<AbandonOutcome | 'issued' | 'secretType' | 'secretIdentity' | 'caBundle', string>> = {
  issued: 'CertificateIssued',
  secretType: 'SecretTypeMismatch',
  secretIdentity: 'SecretIdentityMismatch',
  caBundle: 'ClientCABundleUnavailable',
  denied: 'CertificateSigningRequestDenied',
  failed: 'CertificateSigningRequestFailed',
  rejected: 'IssuedCertificateRejected',
  vanished: 'CertificateSigningRequestVanished',
  incompatible: 'CertificateSigningRequestIncompatible',
};

/** Everything one certificate step looks at: informer caches and the pending-state copy, no API reads. */
export interface CertificateView {
  readonly now: Date;
  /** The target Secret (undefined = absent). */
  readonly secret: V1Secret | undefined;
  /** kube-system/extension-apiserver-authentication (undefined = absent). */
  readonly caSource: V1ConfigMap | undefined;
  /** The pending-state Secret as last read or written (undefined = absent). */
  readonly stateSecret: V1Secret | undefined;
  /** A CSR of the operator's label selector, by name. */
  readonly csr: (name: string) => V1CertificateSigningRequest | undefined;
}

/** The fixed inputs of the planner. */
export interface CertificateSettings {
  readonly namespace: string;
  readonly secretName: string;
  readonly stateSecretName: string;
  readonly expirationSeconds: number;
  readonly policy: CsrPolicy;
  /** Send `spec.expirationSeconds` (the server is >= 1.22). */
  readonly includeExpirationSeconds: boolean;
  /** Backoff after a failed issuance. */
  readonly backoff: BackoffOptions;
  /** Longest wait before looking again anyway. */
  readonly maxIdleMs: number;
  /** Re-issue schedule while a signer CA rotation is under way. Default DEFAULT_SIGNER_PROBE. */
  readonly signerProbe?: SignerProbePolicy;
}

/** Default retry policy after a denied/failed CSR: 1 s doubling up to 5 min, +-20 % jitter (capped at 5 min). */
export const DEFAULT_ISSUANCE_BACKOFF: BackoffOptions = { initialMs: 1_000, factor: 2, maxMs: 5 * 60_000, jitter: 0.2 };

/** Randomness and key generation, injectable so tests are deterministic. */
export interface CertificateStepDeps {
  /** Uniform [0,1) draws for the backoff jitter. */
  readonly random: () => number;
  /** Uniform random bytes for CSR names. */
  readonly randomBytes: (n: number) => Uint8Array;
  /** A fresh key pair. Default ECDSA P-256. */
  readonly generateKey: () => Promise<KeyPair>;
  readonly crypto: Crypto;
}

/** The production defaults of {@link CertificateStepDeps}. */
export const DEFAULT_STEP_DEPS: CertificateStepDeps = {
  random: Math.random,
  randomBytes: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)),
  generateKey: () => generateKeyPair(),
  crypto: globalThis.crypto,
};

/** A state in which the operator must not act, surfaced once by an Event and waited out. */
export interface Blocked {
  readonly type: 'blocked';
  /**
   * `secret-type`: the target Secret exists with another type (immutable; never deleted).
   * `secret-identity`: the target Secret is marked (`certscrape.io/identity`) as another identity's:
   * it is never overwritten with this identity's pair. `ca-bundle`: the cluster client CA is
   * missing or unparsable (the pair cannot be judged).
   */
  readonly cause: 'secret-type' | 'secret-identity' | 'ca-bundle';
  readonly message: string;
}

/** An Event to record on the target Secret once the step's write (if any) succeeded. */
export interface StepEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** When to reconcile again: on the next watch event, at once (the write went to the unwatched pending-state Secret), or after a delay. */
export type Next = { readonly after: 'event' } | { readonly after: 'now' } | { readonly after: 'delay'; readonly ms: number };

/** One step: what was decided, the one write that carries it out (with its exact body), the Event, when to look again. */
export interface CertificateStep {
  readonly decision: Action | Blocked;
  readonly write: ObjectWrite | undefined;
  /** The write goes to the pending-state Secret (its response updates the store). */
  readonly writesState: boolean;
  readonly event: StepEvent | undefined;
  readonly next: Next;
  /** The installed pair as assessed (undefined when blocked). */
  readonly installed: InstalledPair | undefined;
  /** The pending state this step started from. */
  readonly state: PendingState;
  /** Set when the pending state was unusable and is being ignored. */
  readonly stateProblem: string | undefined;
  /** The certificate being installed (install steps only). */
  readonly issued: ParsedCertificate | undefined;
  /** Delay until the retry (abandon steps only). */
  readonly retryInMs: number | undefined;
}

const ON_EVENT: Next = { after: 'event' };
const NOW: Next = { after: 'now' };

/**
 * Decides the next certificate step from the view alone and builds its write: the pending-state
 * Secret to save, the CSR to create or delete, or the target Secret to write (both halves in one
 * object). Blocked states are outcomes, never thrown. Deterministic given `deps`; the only
 * effects are key generation and signing the CSR.
 */
export async function planCertificateStep(view: CertificateView, settings: CertificateSettings, deps: CertificateStepDeps = DEFAULT_STEP_DEPS): Promise<CertificateStep> {
  const { now, secret } = view;
  const decoded = decodePendingState(view.stateSecret);
  let state = decoded.state;
  let stateProblem = decoded.problem;
  const base = { write: undefined, writesState: false, event: undefined, installed: undefined, issued: undefined, retryInMs: undefined } as const;
  const blocked = (cause: Blocked['cause'], reason: string, message: string): CertificateStep => ({
    ...base,
    decision: { type: 'blocked', cause, message },
    event: { type: 'Warning', reason, message },
    next: ON_EVENT,
    state,
    stateProblem,
  });
  if (secret?.type !== undefined && secret.type !== TLS_SECRET_TYPE) {
    // The type is immutable and deleting the Secret is never an option: surface it and wait.
    return blocked('secret-type', EVENT_REASON.secretType, `Secret ${settings.namespace}/${settings.secretName} has type ${secret.type}, want ${TLS_SECRET_TYPE}; not touching it`);
  }
  const owner = secretIdentity(secret);
  if (owner !== undefined && owner !== settings.policy.identity.username) {
    // Another identity's Secret (the configuration moved it): never issue one identity into another's Secret.
    return blocked('secret-identity', EVENT_REASON.secretIdentity, `Secret ${settings.namespace}/${settings.secretName} holds identity ${JSON.stringify(owner)}, not ${JSON.stringify(settings.policy.identity.username)}; not touching it (remove its ${IDENTITY_ANNOTATION} annotation to hand it over)`);
  }
  const ca = readCaSource(view.caSource);
  if (ca.state !== 'valid') {
    // Without the CA the installed pair cannot be judged: wait, never reissue blindly.
    return blocked('ca-bundle', EVENT_REASON.caBundle, ca.state === 'missing' ? 'kube-system/extension-apiserver-authentication has no client-ca-file; waiting' : `${ca.message}; waiting`);
  }
  const roots = ca.roots;
  const identity = settings.policy.identity;

  let pendingKeys: KeyPair | undefined;
  if (state.issuance) {
    try {
      pendingKeys = await importPrivateKeyPem(state.issuance.keyPem, deps.crypto);
    } catch {
      // Never include the key or the parser's message (it may quote input).
      stateProblem = `the pending key of ${state.issuance.csrName} does not import; starting over`;
      state = { ...state, issuance: undefined };
    }
  }
  const issuance = state.issuance;
  const spki = pendingKeys ? toHex(await exportSpki(pendingKeys, deps.crypto)) : undefined;
  const pending = issuance && spki ? { csrName: issuance.csrName, spki, phase: issuance.phase } : undefined;
  const csr = pending ? view.csr(pending.csrName) : undefined;
  const csrObs = pending
    ? await observeCsr(csr, { spki: pending.spki, signerName: settings.policy.signerName }, async (certPem) =>
        (await checkScraperCertificate({ certPem, keys: pendingKeys!, identity, roots, now }, deps.crypto)).problems,
      )
    : undefined;
  const installed = await assessInstalledPair(secret, { identity, roots, now, ...(settings.signerProbe ? { signerProbe: settings.signerProbe } : {}) }, deps.crypto);
  const action = plan({ installed, pending, csr: csrObs, retryAt: state.retryAt, now });
  const step = { ...base, decision: action, installed, state, stateProblem };
  const stateTarget = { namespace: settings.namespace, name: settings.stateSecretName, identity: identity.username };
  const saveState = (next: PendingState): Pick<CertificateStep, 'write' | 'writesState' | 'next'> => ({
    write: { verb: view.stateSecret ? 'replace' : 'create', kind: 'Secret', body: pendingStateSecret(view.stateSecret, stateTarget, next) },
    writesState: true,
    next: NOW,
  });

  switch (action.type) {
    case 'idle':
      return { ...step, next: { after: 'delay', ms: Math.min(Math.max(0, action.until.getTime() - now.getTime()), settings.maxIdleMs) } };
    case 'backoff':
      return { ...step, next: { after: 'delay', ms: Math.min(Math.max(0, action.until.getTime() - now.getTime()), settings.maxIdleMs) } };
    case 'begin': {
      const keyPem = await exportPrivateKeyPem(await deps.generateKey(), deps.crypto);
      const csrName = newCsrName(deps.randomBytes);
      // The key and the name are saved BEFORE the CSR exists: a crash after the create resumes this CSR.
      return { ...step, ...saveState({ ...state, issuance: { csrName, keyPem, phase: 'requesting', reason: action.reason, startedAt: now } }) };
    }
    case 'create-csr': {
      const spec = await buildCsrSpec(settings.policy, pendingKeys!, { expirationSeconds: settings.expirationSeconds }, deps.crypto);
      const body = buildCsrObject({ name: action.csrName, spec, username: identity.username, includeExpirationSeconds: settings.includeExpirationSeconds });
      return { ...step, write: { verb: 'create', kind: 'CertificateSigningRequest', body }, next: ON_EVENT };
    }
    case 'record-requested':
      return { ...step, ...saveState({ ...state, issuance: { ...issuance!, phase: 'requested' } }) };
    case 'await':
      return { ...step, next: ON_EVENT };
    case 'install': {
      const cert = parseCertificate(issuedCertificatePem(csr)!);
      const body = desiredTlsSecret(secret, { namespace: settings.namespace, name: settings.secretName, identity: identity.username }, { certPem: cert.pem, keyPem: issuance!.keyPem, notBefore: cert.notBefore, notAfter: cert.notAfter, issuedAt: now });
      return {
        ...step,
        write: { verb: secret ? 'replace' : 'create', kind: 'Secret', body },
        event: { type: 'Normal', reason: EVENT_REASON.issued, message: `Installed certificate from CertificateSigningRequest ${action.csrName}, valid until ${cert.notAfter.toISOString()}` },
        issued: cert,
        next: ON_EVENT,
      };
    }
    case 'cleanup':
      return { ...step, write: { verb: 'delete', kind: 'CertificateSigningRequest', name: action.csrName }, next: ON_EVENT };
    case 'finish':
      return { ...step, ...saveState({ issuance: undefined, failures: 0, retryAt: undefined }) };
    case 'abandon': {
      const failures = state.failures + 1;
      const delay = backoffDelay(failures, settings.backoff, deps.random);
      return {
        ...step,
        ...saveState({ issuance: undefined, failures, retryAt: new Date(now.getTime() + delay) }),
        event: { type: 'Warning', reason: EVENT_REASON[action.outcome], message: `CertificateSigningRequest ${action.csrName} ${action.outcome}: ${action.message}; retrying in ${Math.round(delay / 1000)}s` },
        retryInMs: delay,
      };
    }
  }
}
