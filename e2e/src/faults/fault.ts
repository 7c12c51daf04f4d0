// What every fault of the matrix is: a preparation outside the measured window, then the fault
// itself inside it, ending when the system has recovered.
import type { V1CertificateSigningRequest, V1Secret } from '@kubernetes/client-node';
import type { LocalCluster } from '@certscrape/local-cluster';
import type { RunningController } from '../support/controller-processes.js';
import type { ObjectWatch, WatchEvent } from '../support/object-watch.js';

/** The installed pair as the operator reports it. */
export interface InstalledPair {
  readonly serial: string;
  readonly notAfter: Date;
  /** certscrape_monitoring_operator_rotation_deadline_timestamp_seconds. */
  readonly rotationDeadline: Date;
}

/**
 * The operator also replaces a pair with less than this left at its next reconcile (identity's
 * MIN_REMAINING_SECONDS), which with short test certificates comes before the jittered deadline.
 */
export const MIN_REMAINING_SECONDS = 60;

/** The earliest moment the operator may start rotating `pair`: its deadline, or when less than a minute is left. */
export function earliestRotation(pair: InstalledPair): Date {
  return new Date(Math.min(pair.rotationDeadline.getTime(), pair.notAfter.getTime() - MIN_REMAINING_SECONDS * 1000));
}

/** Where the system stands after an issuance: the new pair, and what is left of the issuance. */
export interface Settled {
  readonly at: Date;
  readonly serial: string;
  /** CSRs of the scraper identity still present (0 = nothing leaked). */
  readonly csrsLeft: number;
}

/** Everything a fault can touch: the real processes and the Kubernetes API, as a user would. */
export interface FaultContext {
  readonly cluster: LocalCluster;
  /** The scraper identity's CSRs (label certscrape.io/csr-subject). */
  readonly csrs: ObjectWatch<V1CertificateSigningRequest>;
  /** Secret metrics-client-certs (every event is checked for a matching pair). */
  readonly certs: ObjectWatch<V1Secret>;
  /** The operator's pending-state Secret (key + CSR name while an issuance is in flight). */
  readonly pending: ObjectWatch<V1Secret>;
  /** The running monitoring-operator (replaced by restartOperator). */
  operator(): RunningController;
  /** SIGKILL of the operator's process group, synchronously (no cleanup code of it runs). */
  killOperator(): void;
  /** Starts a new monitoring-operator process (same flags) and waits for /healthz. */
  restartOperator(): Promise<void>;
  /** The csr-approver replicas (leader election on). */
  approvers(): readonly RunningController[];
  /** The replica whose certscrape_csr_approver_leader is 1. */
  approverLeader(): Promise<RunningController>;
  /** SIGKILLs one approver replica and starts a replacement. */
  replaceApprover(victim: RunningController): Promise<void>;
  /** Reads the installed pair and the operator's rotation deadline. */
  installedPair(): Promise<InstalledPair>;
  /** Deletes Secret metrics-client-certs (the operator then issues at once: reason `missing`). */
  deleteCertSecret(): Promise<void>;
  /** Replaces tls.key of Secret metrics-client-certs; returns the resourceVersion written. */
  writeCertKey(keyPem: string): Promise<string>;
  /** Until a matching pair other than `notSerial` is installed, no issuance is pending, and no CSR is left. */
  waitSettled(notSerial: string | undefined, timeoutMs?: number): Promise<Settled>;
  /** A fresh pair whose earliest rotation leaves at least `marginS` before NotAfter (re-issued by deleting the Secret until so). */
  freshPairWithMargin(marginS: number): Promise<InstalledPair>;
  /** A Prometheus-style sample of the operator's /metrics: the value of `name` (undefined when absent). */
  operatorMetric(name: string): Promise<number | undefined>;
  /** True when the operator has --issuance-stall-seconds (the stall gauge and Event). */
  readonly stallSurfacing: boolean;
  /** Warning Events with this reason on Secret metrics-client-certs, recorded at `since` or later (Event times have 1 s resolution). */
  secretEvents(reason: string, since: Date): Promise<number>;
  /** A line for the run's narration. */
  log(line: string): void;
}

/** What a fault measured itself. The harness adds the scrape counts and the pair checks. */
export interface FaultOutcome {
  /** Seconds from the moment the fault was lifted (or, for instantaneous faults, injected) until the system had recovered. */
  readonly recoverySeconds: number;
  /** Facts established along the way (reported under `details`). */
  readonly details: Readonly<Record<string, unknown>>;
  /** resourceVersions of the Secret written by the fault itself (not by the operator). */
  readonly ownWrites?: readonly string[];
}

/** One row of the matrix. */
export interface Fault<P = unknown> {
  /** Key in `faults` of latest.json. */
  readonly key: string;
  /** One sentence: what is done to the system. */
  readonly what: string;
  /** Outside the measured window (e.g. wait for a rotation deadline). */
  prepare?(ctx: FaultContext): Promise<P>;
  run(ctx: FaultContext, prepared: P): Promise<FaultOutcome>;
}

/** The stall threshold given to the operator (when it has --issuance-stall-seconds): short, so the stall shows inside a short kube-controller-manager outage. */
export const ISSUANCE_STALL_SECONDS = 3;

/** The pending-state annotation naming the CSR in flight. */
export const PENDING_CSR_ANNOTATION = 'certscrape.io/csr-name';
/** The pending-state annotation with the step: `requesting` (key stored, CSR not yet confirmed) or `requested`. */
export const PENDING_PHASE_ANNOTATION = 'certscrape.io/phase';

/** The CSR named by a pending-state event, if an issuance is in flight. */
export function pendingCsrName(e: WatchEvent<V1Secret> | undefined): string | undefined {
  return e && e.type !== 'delete' ? e.object.metadata?.annotations?.[PENDING_CSR_ANNOTATION] : undefined;
}

/** The pending step of a pending-state event (`requesting` | `requested`), if an issuance is in flight. */
export function pendingPhase(e: WatchEvent<V1Secret> | undefined): string | undefined {
  return e && e.type !== 'delete' ? e.object.metadata?.annotations?.[PENDING_PHASE_ANNOTATION] : undefined;
}

/** Seconds between two instants, one decimal. */
export function secondsBetween(from: Date | number, to: Date | number): number {
  return Math.round((Number(to) - Number(from)) / 100) / 10;
}

/** True when the CSR has the condition (status True). */
export function hasCondition(csr: V1CertificateSigningRequest, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}
