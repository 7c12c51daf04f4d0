import { CertificatesV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1CertificateSigningRequest } from '@kubernetes/client-node';
import type { CsrPolicy } from '@certscrape/identity';
import { describeApiError, isConflict, isNotFound } from '@certscrape/kube-runtime';
import type { EventRecorder, Log } from '@certscrape/kube-runtime';
import { ApproverError } from './errors.js';
import { planApproval } from './decide.js';
import type { ApprovalPlan } from './decide.js';
import type { ApproverMetrics } from './metrics.js';

/** The two API calls the controller makes (a thin view of CertificatesV1Api). */
export interface CsrApi {
  read(name: string): Promise<V1CertificateSigningRequest>;
  /** PUT .../certificatesigningrequests/{name}/approval; 409 when the resourceVersion is stale. */
  writeApproval(body: V1CertificateSigningRequest): Promise<V1CertificateSigningRequest>;
}

/** {@link CsrApi} over a KubeConfig. */
export function kubernetesCsrApi(kubeConfig: KubeConfig): CsrApi {
  const api = kubeConfig.makeApiClient(CertificatesV1Api);
  return {
    read: (name) => api.readCertificateSigningRequest({ name }),
    writeApproval: (body) => api.replaceCertificateSigningRequestApproval({ name: body.metadata?.name ?? '', body }),
  };
}

/** What one reconcile did. */
export type ReconcileOutcome =
  | { readonly outcome: 'approved' | 'denied'; readonly plan: ApprovalPlan; readonly conflicts: number }
  | { readonly outcome: 'skipped'; readonly plan: ApprovalPlan; readonly conflicts: number }
  | { readonly outcome: 'gone'; readonly conflicts: number };

/** Options for {@link ApproverController}. */
export interface ApproverControllerOptions {
  readonly api: CsrApi;
  readonly policy: CsrPolicy;
  /** Where reconcile starts from: the informer cache (undefined = not cached: read it). */
  readonly lookup: (name: string) => V1CertificateSigningRequest | undefined;
  readonly log: Log;
  readonly metrics?: ApproverMetrics;
  /** Records a Normal (approved) or Warning (denied) Event on the CSR; best effort. */
  readonly events?: EventRecorder;
  /** Re-read/re-decide attempts after a 409. Default 5. */
  readonly maxConflicts?: number;
  readonly now?: () => Date;
  readonly crypto?: Crypto;
}

/**
 * Reconciles one CSR by name: decide (pure `planApproval`), then apply — write the Approved or
 * Denied condition through /approval with the object's resourceVersion. On 409 it re-reads the
 * CSR and decides again, so a CSR that became terminal meanwhile is skipped and Approved and
 * Denied are never both written. One JSON log line per applied decision.
 */
export class ApproverController {
  private readonly o: ApproverControllerOptions;
  constructor(options: ApproverControllerOptions) {
    this.o = options;
  }

  async reconcile(name: string): Promise<ReconcileOutcome> {
    const maxConflicts = this.o.maxConflicts ?? 5;
    let obj = this.o.lookup(name) ?? (await this.readOrUndefined(name));
    for (let conflicts = 0; ; conflicts++) {
      if (!obj) return { outcome: 'gone', conflicts };
      const started = performance.now();
      const plan = await planApproval(obj, this.o.policy, (this.o.now ?? (() => new Date()))(), this.o.crypto);
      this.o.metrics?.evaluationSeconds.observe((performance.now() - started) / 1000);
      if (plan.action === 'skip') {
        this.o.metrics?.decisions.inc({ result: 'ignored', reason: plan.category });
        this.o.log.debug({ csr: name, requester: plan.view.username, decision: 'ignore', reason: plan.reason }, 'csr left alone');
        return { outcome: 'skipped', plan, conflicts };
      }
      try {
        await this.o.api.writeApproval(plan.body);
      } catch (err) {
        if (isNotFound(err)) return { outcome: 'gone', conflicts };
        if (!isConflict(err)) {
          this.o.metrics?.writeErrors.inc({ kind: 'error' });
          throw new ApproverError('APPROVER_ERR_APISERVER', `writing approval of ${name} failed: ${describeApiError(err)}`, { cause: err });
        }
        this.o.metrics?.writeErrors.inc({ kind: 'conflict' });
        if (conflicts + 1 >= maxConflicts) {
          throw new ApproverError('APPROVER_ERR_CONFLICT', `${name} kept changing under us (${conflicts + 1} conflicts)`, { cause: err });
        }
        this.o.log.debug({ csr: name }, 'conflict writing approval; re-reading');
        obj = await this.readOrUndefined(name);
        continue;
      }
      this.record(plan);
      await this.recordEvent(plan);
      return { outcome: plan.action === 'approve' ? 'approved' : 'denied', plan, conflicts };
    }
  }

  private record(plan: ApprovalPlan): void {
    const base = { csr: plan.view.name, requester: plan.view.username ?? null, groups: plan.view.groups ?? null, signer: plan.view.signerName };
    if (plan.action === 'approve') {
      this.o.metrics?.decisions.inc({ result: 'approved', reason: 'policy-satisfied' });
      this.o.log.info({ ...base, decision: 'approve', violations: [] }, 'csr approved');
    } else if (plan.action === 'deny') {
      this.o.metrics?.decisions.inc({ result: 'denied', reason: plan.violations[0]?.rule ?? 'unknown' });
      for (const v of plan.violations) this.o.metrics?.violations.inc({ rule: v.rule });
      this.o.log.info({ ...base, decision: 'deny', violations: plan.violations.map((v) => ({ rule: v.rule, field: v.field, message: v.message })) }, 'csr denied');
    }
  }

  private async recordEvent(plan: ApprovalPlan): Promise<void> {
    if (!this.o.events || plan.action === 'skip') return;
    const target = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', name: plan.view.name, ...(plan.body.metadata?.uid ? { uid: plan.body.metadata.uid } : {}) };
    if (plan.action === 'approve') await this.o.events.event(target, 'Normal', 'CertscrapeApproved', plan.condition.message ?? 'approved');
    else await this.o.events.event(target, 'Warning', 'CertscrapeDenied', plan.condition.message ?? 'denied');
  }

  private async readOrUndefined(name: string): Promise<V1CertificateSigningRequest | undefined> {
    try {
      return await this.o.api.read(name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new ApproverError('APPROVER_ERR_APISERVER', `reading ${name} failed: ${describeApiError(err)}`, { cause: err });
    }
  }
}
