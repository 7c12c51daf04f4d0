import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AbandonOutcome, IssueReason } from './plan.js';

/** Every metric the operator exports, on its own registry. */
export interface OperatorMetrics {
  readonly registry: Registry;
  /** `certscrape_monitoring_operator_certificate_not_after_timestamp_seconds`: NotAfter of the installed certificate (0 = none valid). */
  readonly certificateNotAfter: Gauge;
  /** `..._certificate_not_before_timestamp_seconds`: NotBefore of the installed certificate. */
  readonly certificateNotBefore: Gauge;
  /** `..._rotation_deadline_timestamp_seconds`: when the installed certificate will be replaced. */
  readonly rotationDeadline: Gauge;
  /** `..._rotations_total{reason}`: pairs written, by why the issuance started (missing, unusable, rotation-due). */
  readonly rotations: Counter<'reason'>;
  /** `..._csr_outcomes_total{outcome}`: issued, denied, failed, rejected, vanished, incompatible. */
  readonly csrOutcomes: Counter<'outcome'>;
  /** `..._csrs_created_total`: CSR objects created. */
  readonly csrsCreated: Counter;
  /** `..._errors_total{operation}`: errors by operation (reconcile, ca-mirror, event, cleanup). */
  readonly errors: Counter<'operation'>;
  /** `..._ca_bundle_updates_total`: writes of the mirrored client CA ConfigMap. */
  readonly caBundleUpdates: Counter;
  /** `..._issuance_failures`: consecutive failed issuances (the backoff exponent). */
  readonly consecutiveFailures: Gauge;
  /** `..._leader`: 1 while this replica leads. */
  readonly leader: Gauge;
}

const P = 'certscrape_monitoring_operator_';

/** Creates the metrics on a fresh registry (plus the default process metrics unless disabled). */
export function createMetrics(options: { readonly defaultMetrics?: boolean } = {}): OperatorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const m: OperatorMetrics = {
    registry,
    certificateNotAfter: new Gauge({ name: `${P}certificate_not_after_timestamp_seconds`, help: 'NotAfter of the installed client certificate, Unix seconds (0 when none is valid).', registers }),
    certificateNotBefore: new Gauge({ name: `${P}certificate_not_before_timestamp_seconds`, help: 'NotBefore of the installed client certificate, Unix seconds.', registers }),
    rotationDeadline: new Gauge({ name: `${P}rotation_deadline_timestamp_seconds`, help: 'When the installed certificate will be rotated, Unix seconds.', registers }),
    rotations: new Counter({ name: `${P}rotations_total`, help: 'Certificate/key pairs written to the Secret, by why the issuance started.', labelNames: ['reason'], registers }),
    csrOutcomes: new Counter({ name: `${P}csr_outcomes_total`, help: 'How CertificateSigningRequests ended.', labelNames: ['outcome'], registers }),
    csrsCreated: new Counter({ name: `${P}csrs_created_total`, help: 'CertificateSigningRequests created.', registers }),
    errors: new Counter({ name: `${P}errors_total`, help: 'Errors by operation.', labelNames: ['operation'], registers }),
    caBundleUpdates: new Counter({ name: `${P}ca_bundle_updates_total`, help: 'Writes of the mirrored client CA bundle ConfigMap.', registers }),
    consecutiveFailures: new Gauge({ name: `${P}issuance_failures`, help: 'Consecutive failed issuances (drives the retry backoff).', registers }),
    leader: new Gauge({ name: `${P}leader`, help: '1 while this replica is the leader.', registers }),
  };
  // Pre-create the label sets so dashboards see zeros instead of absent series.
  for (const outcome of ['issued', 'denied', 'failed', 'rejected', 'vanished', 'incompatible'] satisfies ('issued' | AbandonOutcome)[]) m.csrOutcomes.inc({ outcome }, 0);
  for (const reason of ['missing', 'unusable', 'rotation-due'] satisfies IssueReason[]) m.rotations.inc({ reason }, 0);
  for (const operation of ['reconcile', 'ca-mirror', 'event', 'cleanup']) m.errors.inc({ operation }, 0);
  return m;
}
