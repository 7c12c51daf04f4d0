import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { ISSUE_REASONS, type AbandonOutcome, type IssueReason } from './plan.js';

/**
 * Every metric the operator exports, on its own registry. The per-certificate metrics carry an
 * `identity` label (the certificate's username), one series per configured identity; the names
 * are those of the single-identity operator, so `max by (namespace)` style queries keep working.
 */
export interface OperatorMetrics {
  readonly registry: Registry;
  /** `certscrape_monitoring_operator_certificate_not_after_timestamp_seconds{identity}`: NotAfter of the installed certificate (0 = none valid). */
  readonly certificateNotAfter: Gauge<'identity'>;
  /** `..._certificate_not_before_timestamp_seconds{identity}`: NotBefore of the installed certificate. */
  readonly certificateNotBefore: Gauge<'identity'>;
  /** `..._rotation_deadline_timestamp_seconds{identity}`: when the installed certificate will be replaced. */
  readonly rotationDeadline: Gauge<'identity'>;
  /** `..._rotations_total{identity,reason}`: pairs written, by why the issuance started (missing, unusable, rotation-due, signer-rotated). */
  readonly rotations: Counter<'identity' | 'reason'>;
  /** `..._csr_outcomes_total{identity,outcome}`: issued, denied, failed, rejected, vanished, incompatible. */
  readonly csrOutcomes: Counter<'identity' | 'outcome'>;
  /** `..._csrs_created_total{identity}`: CSR objects created. */
  readonly csrsCreated: Counter<'identity'>;
  /** `..._errors_total{operation}`: errors by operation (reconcile, ca-mirror, event, cleanup, identities). */
  readonly errors: Counter<'operation'>;
  /** `..._ca_bundle_updates_total`: writes of the mirrored client CA ConfigMaps. */
  readonly caBundleUpdates: Counter;
  /** `..._issuance_failures{identity}`: consecutive failed issuances (the backoff exponent). */
  readonly consecutiveFailures: Gauge<'identity'>;
  /** `..._leader`: 1 while this replica leads. */
  readonly leader: Gauge;
  /** `..._issuance_stalled{identity}`: 1 while a pending issuance has gone unissued for longer than --issuance-stall-seconds. */
  readonly issuanceStalled: Gauge<'identity'>;
  /** `..._signer_rotation_pending{identity}`: 1 while the client CA bundle holds a CA newer than the installed certificate's issuer (do not remove the old CA yet). */
  readonly signerRotationPending: Gauge<'identity'>;
}

/** One identity's view of the per-certificate metrics: the `identity` label is already set. */
export interface IdentityMetrics {
  readonly certificateNotAfter: { set(value: number): void };
  readonly certificateNotBefore: { set(value: number): void };
  readonly rotationDeadline: { set(value: number): void };
  readonly consecutiveFailures: { set(value: number): void };
  readonly csrsCreated: { inc(): void };
  readonly rotations: { inc(labels: { reason: IssueReason }): void };
  readonly csrOutcomes: { inc(labels: { outcome: 'issued' | AbandonOutcome }): void };
  readonly issuanceStalled: { set(value: number): void };
  readonly signerRotationPending: { set(value: number): void };
  /** Shared by every identity (not labelled by identity). */
  readonly errors: OperatorMetrics['errors'];
}

const P = 'certscrape_monitoring_operator_';
const OUTCOMES = ['issued', 'denied', 'failed', 'rejected', 'vanished', 'incompatible'] as const satisfies readonly ('issued' | AbandonOutcome)[];
const REASONS: readonly IssueReason[] = ISSUE_REASONS;

/**
 * Creates the metrics on a fresh registry (plus the default process metrics unless disabled).
 * `identities` (usernames) get their label sets pre-created, so dashboards see zeros instead of
 * absent series.
 */
export function createMetrics(options: { readonly defaultMetrics?: boolean; readonly identities?: readonly string[] } = {}): OperatorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const identity = ['identity'] as const;
  const m: OperatorMetrics = {
    registry,
    certificateNotAfter: new Gauge({ name: `${P}certificate_not_after_timestamp_seconds`, help: 'NotAfter of the installed client certificate, Unix seconds (0 when none is valid), by identity.', labelNames: identity, registers }),
    certificateNotBefore: new Gauge({ name: `${P}certificate_not_before_timestamp_seconds`, help: 'NotBefore of the installed client certificate, Unix seconds, by identity.', labelNames: identity, registers }),
    rotationDeadline: new Gauge({ name: `${P}rotation_deadline_timestamp_seconds`, help: 'When the installed certificate will be rotated, Unix seconds, by identity.', labelNames: identity, registers }),
    rotations: new Counter({ name: `${P}rotations_total`, help: 'Certificate/key pairs written to the Secret, by identity and why the issuance started.', labelNames: ['identity', 'reason'], registers }),
    csrOutcomes: new Counter({ name: `${P}csr_outcomes_total`, help: 'How CertificateSigningRequests ended, by identity.', labelNames: ['identity', 'outcome'], registers }),
    csrsCreated: new Counter({ name: `${P}csrs_created_total`, help: 'CertificateSigningRequests created, by identity.', labelNames: identity, registers }),
    errors: new Counter({ name: `${P}errors_total`, help: 'Errors by operation.', labelNames: ['operation'], registers }),
    caBundleUpdates: new Counter({ name: `${P}ca_bundle_updates_total`, help: 'Writes of the mirrored client CA bundle ConfigMaps.', registers }),
    consecutiveFailures: new Gauge({ name: `${P}issuance_failures`, help: 'Consecutive failed issuances (drives the retry backoff), by identity.', labelNames: identity, registers }),
    leader: new Gauge({ name: `${P}leader`, help: '1 while this replica is the leader.', registers }),
    issuanceStalled: new Gauge({ name: `${P}issuance_stalled`, help: '1 while a pending issuance has not been issued for longer than --issuance-stall-seconds (the installed pair is kept), by identity.', labelNames: identity, registers }),
    signerRotationPending: new Gauge({
      name: `${P}signer_rotation_pending`,
      help: "1 while the client CA bundle holds a CA newer than the installed certificate's issuer (the Secret has not caught up with a signer CA rotation), by identity.",
      labelNames: identity,
      registers,
    }),
  };
  for (const username of options.identities ?? []) {
    for (const outcome of OUTCOMES) m.csrOutcomes.inc({ identity: username, outcome }, 0);
    for (const reason of REASONS) m.rotations.inc({ identity: username, reason }, 0);
    m.csrsCreated.inc({ identity: username }, 0);
    m.issuanceStalled.set({ identity: username }, 0);
    m.signerRotationPending.set({ identity: username }, 0);
  }
  for (const operation of ['reconcile', 'ca-mirror', 'event', 'cleanup', 'identities']) m.errors.inc({ operation }, 0);
  return m;
}

/** The metrics of one identity (label `identity` = its username). */
export function identityMetrics(m: OperatorMetrics, username: string): IdentityMetrics {
  const identity = username;
  return {
    certificateNotAfter: { set: (v) => m.certificateNotAfter.set({ identity }, v) },
    certificateNotBefore: { set: (v) => m.certificateNotBefore.set({ identity }, v) },
    rotationDeadline: { set: (v) => m.rotationDeadline.set({ identity }, v) },
    consecutiveFailures: { set: (v) => m.consecutiveFailures.set({ identity }, v) },
    csrsCreated: { inc: () => m.csrsCreated.inc({ identity }) },
    rotations: { inc: ({ reason }) => m.rotations.inc({ identity, reason }) },
    csrOutcomes: { inc: ({ outcome }) => m.csrOutcomes.inc({ identity, outcome }) },
    issuanceStalled: { set: (v) => m.issuanceStalled.set({ identity }, v) },
    signerRotationPending: { set: (v) => m.signerRotationPending.set({ identity }, v) },
    errors: m.errors,
  };
}
