import { CertificatesV1Api, KubeConfig } from '@kubernetes/client-node';

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
 * Records every CertificateSigningRequest while it exists (the operator deletes its CSRs once
 * used, so the evidence must be taken while they are there). Polls the list every `intervalMs`
 * (default 300) with the admin kubeconfig; errors (kube-apiserver down) are ignored.
 */
export class CsrRecorder {
  readonly #api: CertificatesV1Api;
  readonly #seen = new Map<string, RecordedCsr>();
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(adminKubeconfig: string, intervalMs = 300) {
    const kc = new KubeConfig();
    kc.loadFromFile(adminKubeconfig);
    this.#api = kc.makeApiClient(CertificatesV1Api);
    this.#timer = setInterval(() => void this.poll(), intervalMs);
  }

  /** Every CSR seen so far, in order of first sight, with its latest state. */
  get all(): readonly RecordedCsr[] {
    return [...this.#seen.values()];
  }

  /** Reads the list once. */
  async poll(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const list = await this.#api.listCertificateSigningRequest();
      for (const item of list.items) {
        const name = item.metadata?.name ?? '?';
        const trueConditions = (item.status?.conditions ?? []).filter((c) => c.status === 'True');
        const decision = trueConditions.find((c) => c.type === 'Approved' || c.type === 'Denied');
        this.#seen.set(name, {
          name,
          requester: item.spec.username ?? '?',
          signerName: item.spec.signerName,
          conditions: trueConditions.map((c) => c.type),
          decisionReason: decision?.reason,
          issued: Boolean(item.status?.certificate),
        });
      }
    } catch {
      // kube-apiserver unreachable: try again next tick.
    } finally {
      this.#busy = false;
    }
  }

  /** Stops polling. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
