import { VersionApi, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import type { CsrPolicy } from '@certscrape/identity';
import type { Clock, EventRecorder, Log } from '@certscrape/kube-runtime';
import type { BackoffOptions } from '@certscrape/kube-runtime';
import { planCertificateStep, type CertificateStep, type CertificateStepDeps, type Next } from './certificate-step.js';
import { supportsExpirationSeconds } from './csr-object.js';
import { assessStall, ISSUANCE_STALLED_REASON, stallMessage } from './issuance-stall.js';
import type { IdentityMetrics } from './metrics.js';
import { describeWrite, type ObjectWriter } from './object-write.js';
import type { OperatorCaches } from './operator-caches.js';
import type { PendingStateStore } from './pending-state.js';
import type { InstalledPair } from './plan.js';
import type { SignerProbePolicy } from './signer-rotation.js';

/** What the certificate reconciler needs. */
export interface CertificateReconcilerOptions {
  readonly caches: OperatorCaches;
  readonly store: PendingStateStore;
  readonly writer: ObjectWriter;
  readonly events: EventRecorder;
  readonly kubeConfig: KubeConfig;
  readonly settings: { readonly namespace: string; readonly secretName: string; readonly stateSecretName: string; readonly expirationSeconds: number; readonly policy: CsrPolicy; readonly backoff: BackoffOptions; readonly maxIdleMs: number; readonly issuanceStallMs: number; readonly signerProbe?: SignerProbePolicy };
  readonly deps: CertificateStepDeps;
  readonly clock: Clock;
  readonly log: Log;
  /** This identity's metrics (label `identity`). */
  readonly metrics: IdentityMetrics;
}

/**
 * The certificate reconciler of ONE identity (queue key `certificate:<username>`; the operator
 * runs one per configured identity, each with its own pending state, backoff, Events and
 * metrics, so one identity's failures never hold up another's): per queue item, one observe from the caches, one planned step
 * ({@link planCertificateStep}), at most one write, then the Event, metrics and logs of that
 * step. Returns when to look again. A stale write (409/404) waits for the watch event that
 * brings the cache up to date; API errors are thrown for the work queue's backoff.
 */
export class CertificateReconciler {
  private readonly o: CertificateReconcilerOptions;
  private expirationSupported: boolean | undefined;
  private lastBlocked: string | undefined;
  private lastAwaitLogged: string | undefined;
  /** The CSR whose stall was last surfaced (one Event per stalled issuance). */
  private lastStalled: string | undefined;

  constructor(options: CertificateReconcilerOptions) {
    this.o = options;
  }

  async reconcile(): Promise<Next> {
    const { caches, store, log, metrics } = this.o;
    // The pending state is read once per leadership (and after a lost write race), never per step.
    if (!store.isLoaded) await store.load();
    const includeExpirationSeconds = await this.expirationSecondsSupported();
    const step = await planCertificateStep(
      { now: new Date(this.o.clock.now()), secret: this.secret(), caSource: caches.caSource(), stateSecret: store.object, csr: (name) => caches.csr(name) },
      { ...this.o.settings, includeExpirationSeconds },
      this.o.deps,
    );
    if (step.stateProblem) log.warn({ stateSecret: `${this.o.settings.namespace}/${this.o.settings.stateSecretName}`, problem: step.stateProblem }, 'pending state unusable');
    metrics.consecutiveFailures.set(step.state.failures);
    if (step.decision.type === 'blocked') return this.blocked(step);
    this.lastBlocked = undefined;
    this.recordInstalled(step.installed!);
    const stallNext = await this.stall(step);
    log.debug({ action: step.decision.type, installed: step.installed?.state, pending: step.state.issuance?.csrName, write: step.write && describeWrite(step.write) }, 'planned');
    if (step.write) {
      const outcome = await this.o.writer.apply(step.write);
      if (outcome.result === 'stale') {
        log.info({ action: step.decision.type, write: describeWrite(step.write), status: outcome.status }, 'planned from an outdated view; waiting for the cache');
        if (step.writesState) store.invalidate();
        return step.writesState ? { after: 'now' } : { after: 'event' };
      }
      if (step.writesState) store.written(outcome.object as V1Secret);
      await this.written(step, outcome.object);
    } else {
      this.waiting(step);
    }
    // Waiting for a watch event that may never come (kube-controller-manager down): look again when the issuance would stall.
    return step.next.after === 'event' && !step.write && stallNext ? stallNext : step.next;
  }

  /** Surfaces a stalled issuance (gauge; one Warning Event per CSR) and returns when to look again while one is pending. */
  private async stall(step: CertificateStep): Promise<Next | undefined> {
    const now = new Date(this.o.clock.now());
    const s = assessStall(step.state.issuance, now, this.o.settings.issuanceStallMs);
    this.o.metrics.issuanceStalled.set(s.state === 'stalled' ? 1 : 0);
    if (s.state === 'pending') return { after: 'delay', ms: Math.max(0, s.stallAt.getTime() - now.getTime()) };
    if (s.state !== 'stalled') {
      if (this.lastStalled) this.o.log.info({ csr: this.lastStalled }, 'stalled issuance caught up');
      this.lastStalled = undefined;
      return undefined;
    }
    if (this.lastStalled !== s.csrName) {
      this.lastStalled = s.csrName;
      const installed = step.installed?.state === 'valid' ? step.installed.notAfter : undefined;
      this.o.log.warn({ csr: s.csrName, pendingSeconds: Math.round(s.sinceMs / 1000), installedNotAfter: installed?.toISOString() }, 'issuance stalled; keeping the installed pair');
      await this.event(this.secret(), { type: 'Warning', reason: ISSUANCE_STALLED_REASON, message: stallMessage(s, installed) });
    }
    return undefined;
  }

  private async blocked(step: CertificateStep): Promise<Next> {
    const d = step.decision as Extract<CertificateStep['decision'], { type: 'blocked' }>;
    const key = `${d.cause}/${d.message}`;
    if (this.lastBlocked !== key) {
      // Once per blocked episode: the condition is retried on every event, the Event is not.
      this.lastBlocked = key;
      this.o.metrics.errors.inc({ operation: 'reconcile' });
      this.o.log.warn({ cause: d.cause, message: d.message }, BLOCKED_LOG[d.cause]);
      await this.event(this.secret(), step.event!);
    }
    return step.next;
  }

  /** Logs for steps that wait without writing. */
  private waiting(step: CertificateStep): void {
    const a = step.decision;
    if (a.type === 'backoff') {
      this.o.log.info({ reason: a.reason, retryAt: a.until.toISOString(), failures: step.state.failures }, 'issuance needed; waiting for backoff');
    } else if (a.type === 'await' && this.lastAwaitLogged !== `${a.csrName}/${a.approved}`) {
      this.lastAwaitLogged = `${a.csrName}/${a.approved}`;
      this.o.log.info({ csr: a.csrName, approved: a.approved }, a.approved ? 'CSR approved; waiting for the signer' : 'waiting for CSR approval');
    }
  }

  /** Metrics, logs and the Event of a step whose write succeeded. */
  private async written(step: CertificateStep, object: unknown): Promise<void> {
    const { log, metrics } = this.o;
    const a = step.decision;
    switch (a.type) {
      case 'begin': {
        const problems = step.installed?.state === 'unusable' ? step.installed.problems : undefined;
        log.info({ reason: a.reason, problems, csr: pendingName(object) }, 'starting certificate issuance');
        return;
      }
      case 'create-csr': {
        const body = step.write!.verb === 'create' && step.write!.kind === 'CertificateSigningRequest' ? step.write!.body : undefined;
        metrics.csrsCreated.inc();
        log.info({ csr: a.csrName, signer: body?.spec.signerName, usages: body?.spec.usages, expirationSeconds: body?.spec.expirationSeconds }, 'created CSR');
        return;
      }
      case 'record-requested':
        log.debug({ csr: a.csrName }, 'recorded the CSR as requested');
        return;
      case 'install': {
        const cert = step.issued!;
        const reason = step.state.issuance!.reason;
        metrics.rotations.inc({ reason });
        metrics.csrOutcomes.inc({ outcome: 'issued' });
        log.info({ csr: a.csrName, reason, serial: cert.serialNumber, notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString() }, 'installed new client certificate');
        await this.event(object as V1Secret, step.event!);
        return;
      }
      case 'cleanup':
        log.info({ csr: a.csrName }, 'deleted used CSR');
        return;
      case 'finish':
        log.info({ csr: a.csrName }, 'issuance complete');
        return;
      case 'abandon':
        metrics.csrOutcomes.inc({ outcome: a.outcome });
        metrics.consecutiveFailures.set(step.state.failures + 1);
        log.warn({ csr: a.csrName, outcome: a.outcome, message: a.message, failures: step.state.failures + 1, retryInMs: step.retryInMs }, 'certificate signing request did not produce a usable certificate');
        await this.event(this.secret(), step.event!);
        return;
      default:
        return;
    }
  }

  /** This identity's target Secret, from the cache. */
  private secret(): V1Secret | undefined {
    const { namespace, secretName } = this.o.settings;
    return this.o.caches.secret({ namespace, name: secretName });
  }

  private recordInstalled(installed: InstalledPair): void {
    const m = this.o.metrics;
    if (installed.state === 'valid') {
      m.certificateNotAfter.set(installed.notAfter.getTime() / 1000);
      m.certificateNotBefore.set(installed.notBefore.getTime() / 1000);
      m.rotationDeadline.set(installed.rotateAt.getTime() / 1000);
      m.signerRotationPending.set(installed.signer.state === 'rotating' ? 1 : 0);
    } else {
      m.certificateNotAfter.set(0);
    }
  }

  private event(secret: V1Secret | undefined, e: { type: 'Normal' | 'Warning'; reason: string; message: string }): Promise<void> {
    const { namespace, secretName } = this.o.settings;
    return this.o.events.event({ apiVersion: 'v1', kind: 'Secret', name: secretName, namespace, ...(secret?.metadata?.uid ? { uid: secret.metadata.uid } : {}) }, e.type, e.reason, e.message);
  }

  /** Asks /version once per process whether `spec.expirationSeconds` is known (Kubernetes >= 1.22). */
  private async expirationSecondsSupported(): Promise<boolean> {
    if (this.expirationSupported === undefined) {
      const v = await this.o.kubeConfig.makeApiClient(VersionApi).getCode();
      this.expirationSupported = supportsExpirationSeconds(v);
      this.o.log.info({ serverVersion: v.gitVersion, expirationSeconds: this.expirationSupported }, 'checked server support for spec.expirationSeconds');
    }
    return this.expirationSupported;
  }
}

const BLOCKED_LOG: Readonly<Record<Extract<CertificateStep['decision'], { type: 'blocked' }>['cause'], string>> = {
  'secret-type': 'target Secret has the wrong type; leaving it alone',
  'secret-identity': "target Secret holds another identity's pair; leaving it alone",
  'ca-bundle': 'client CA bundle unavailable; waiting',
};

function pendingName(object: unknown): string | undefined {
  return (object as V1Secret | undefined)?.metadata?.annotations?.['certscrape.io/csr-name'];
}
