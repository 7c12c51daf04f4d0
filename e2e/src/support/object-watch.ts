import { CertificatesV1Api, CoreV1Api, KubeConfig, type KubernetesObject, type V1CertificateSigningRequest, type V1Secret } from '@kubernetes/client-node';
import { createInformer, type Informer, type ListResult } from '@certscrape/kube-runtime';

/** One watch event, as a user with `kubectl get -w` would see it. */
export interface WatchEvent<T> {
  /** When this process received the event (ms since the epoch). */
  readonly atMs: number;
  readonly type: 'add' | 'update' | 'delete';
  readonly object: T;
}

/**
 * Watches a collection (list + watch through @certscrape/kube-runtime's resilient informer), keeps
 * every event in order and tells listeners synchronously — so a fault can act at the very moment
 * a write becomes visible (e.g. SIGKILL the writer). kube-apiserver outages are retried by the
 * informer; events missed while it relists are not replayed (the relist delivers the current
 * state as an add or update).
 */
export class ObjectWatch<T extends KubernetesObject> {
  readonly #informer: Informer<T>;
  readonly #events: WatchEvent<T>[] = [];
  readonly #listeners = new Set<(e: WatchEvent<T>) => void>();

  constructor(kc: KubeConfig, options: { name: string; path: string; list: () => Promise<ListResult<T>>; fieldSelector?: string; labelSelector?: string }) {
    this.#informer = createInformer<T>(kc, options);
    this.#informer.on((e) => {
      const event: WatchEvent<T> = { atMs: Date.now(), type: e.type, object: e.object };
      this.#events.push(event);
      for (const l of [...this.#listeners]) l(event);
    });
    this.#informer.start();
  }

  /** Resolves once the initial list has been delivered. */
  synced(): Promise<void> {
    return this.#informer.waitForSync();
  }

  /** Every event so far, in order of arrival. */
  get events(): readonly WatchEvent<T>[] {
    return this.#events;
  }

  /** The latest event (undefined before the first). */
  get last(): WatchEvent<T> | undefined {
    return this.#events.at(-1);
  }

  /** Calls `listener` on every later event, synchronously; returns the unsubscribe function. */
  subscribe(listener: (e: WatchEvent<T>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves with the first event from now on that `predicate` accepts, after calling `act`
   * synchronously inside the listener — nothing else runs between seeing the event and acting.
   */
  when(predicate: (e: WatchEvent<T>) => boolean, act: (e: WatchEvent<T>) => void = () => undefined): Promise<WatchEvent<T>> {
    return new Promise((resolve) => {
      const off = this.subscribe((e) => {
        if (!predicate(e)) return;
        off();
        act(e);
        resolve(e);
      });
    });
  }

  stop(): void {
    void this.#informer.stop();
  }
}

function kubeConfigFrom(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/** A watch on one Secret by name (field selector `metadata.name`). */
export function watchSecret(adminKubeconfig: string, namespace: string, name: string): ObjectWatch<V1Secret> {
  const kc = kubeConfigFrom(adminKubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const fieldSelector = `metadata.name=${name}`;
  return new ObjectWatch<V1Secret>(kc, { name: `e2e-watch-secret-${name}`, path: `/api/v1/namespaces/${namespace}/secrets`, fieldSelector, list: () => core.listNamespacedSecret({ namespace, fieldSelector }) });
}

/** A watch on the CertificateSigningRequests carrying `labelSelector`. */
export function watchCsrs(adminKubeconfig: string, labelSelector: string): ObjectWatch<V1CertificateSigningRequest> {
  const kc = kubeConfigFrom(adminKubeconfig);
  const api = kc.makeApiClient(CertificatesV1Api);
  return new ObjectWatch<V1CertificateSigningRequest>(kc, {
    name: 'e2e-watch-csrs',
    path: '/apis/certificates.k8s.io/v1/certificatesigningrequests',
    labelSelector,
    list: () => api.listCertificateSigningRequest({ labelSelector }),
  });
}

/** A Secret's `data`, decoded to UTF-8 ({} on a delete event). */
export function secretData(e: WatchEvent<V1Secret>): Record<string, string> {
  const out: Record<string, string> = {};
  if (e.type !== 'delete') for (const [k, v] of Object.entries(e.object.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}
