import { CertificatesV1Api, KubeConfig, type V1CertificateSigningRequest } from '@kubernetes/client-node';
import { createInformer, type Informer } from '@certscrape/kube-runtime';

/** What a user would see with `kubectl get csr` for one request. */
export interface RecordedCsr {
  readonly name: string;
  readonly requester: string;
  readonly signerName: string;
  /** Condition types with status True, e.g. ['Approved']. */
  readonly conditions: readonly string[];
  /** Reason of the Approved/Denied condition, when there is one. */
  readonly decisionReason: string | undefined;
  readonly issued: boolean;
}

/**
 * Records every CertificateSigningRequest while it exists. The operator deletes its CSRs once
 * used, so the evidence is taken from a watch (every add/update/delete event, through the
 * resilient informer of @certscrape/kube-runtime), never from a poll that could fall between
 * "approved" and "deleted". kube-apiserver outages are retried by the informer.
 */
export class CsrRecorder {
  readonly #informer: Informer<V1CertificateSigningRequest>;
  readonly #seen = new Map<string, RecordedCsr>();

  constructor(adminKubeconfig: string) {
    const kc = new KubeConfig();
    kc.loadFromFile(adminKubeconfig);
    const api = kc.makeApiClient(CertificatesV1Api);
    this.#informer = createInformer<V1CertificateSigningRequest>(kc, {
      name: 'e2e-csr-recorder',
      path: '/apis/certificates.k8s.io/v1/certificatesigningrequests',
      list: () => api.listCertificateSigningRequest(),
    });
    this.#informer.on((e) => this.#record(e.object));
    this.#informer.start();
  }

  /** Every CSR seen so far, in order of first sight, with its latest (most decided) state. */
  get all(): readonly RecordedCsr[] {
    return [...this.#seen.values()];
  }

  /** Resolves once the initial list has been recorded. */
  async poll(): Promise<void> {
    await this.#informer.waitForSync();
  }

  /** Stops watching. */
  stop(): void {
    void this.#informer.stop();
  }

  #record(item: V1CertificateSigningRequest): void {
    const name = item.metadata?.name ?? '?';
    const trueConditions = (item.status?.conditions ?? []).filter((c) => c.status === 'True');
    const decision = trueConditions.find((c) => c.type === 'Approved' || c.type === 'Denied');
    const before = this.#seen.get(name);
    // A delete event may carry an older cached copy: never lose a decision already seen.
    if (before && before.conditions.length > trueConditions.length) return;
    this.#seen.set(name, {
      name,
      requester: item.spec.username ?? '?',
      signerName: item.spec.signerName,
      conditions: trueConditions.map((c) => c.type),
      decisionReason: decision?.reason,
      issued: Boolean(item.status?.certificate) || (before?.issued ?? false),
    });
  }
}
