import { CertificatesV1Api, CoreV1Api, type KubeConfig, type V1CertificateSigningRequest, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '@certscrape/kube-runtime';

/**
 * One write a reconciler planned, with the exact body it sends: creates carry the whole object,
 * replaces carry the resourceVersion the plan was made from (optimistic concurrency).
 */
export type ObjectWrite =
  | { readonly verb: 'create' | 'replace'; readonly kind: 'Secret'; readonly body: V1Secret }
  | { readonly verb: 'create' | 'replace'; readonly kind: 'ConfigMap'; readonly body: V1ConfigMap }
  | { readonly verb: 'create'; readonly kind: 'CertificateSigningRequest'; readonly body: V1CertificateSigningRequest }
  | { readonly verb: 'delete'; readonly kind: 'CertificateSigningRequest'; readonly name: string };

/**
 * How a write ended. `stale`: the plan was made from an outdated view (409 Conflict or
 * AlreadyExists, or 404 on a replace/delete): nothing was written, and the watch event that
 * makes the view current is on its way, so the caller waits for it instead of retrying blindly.
 * Any other API error is thrown (could not write: retry with backoff).
 */
export type WriteResult = { readonly result: 'written'; readonly object: unknown } | { readonly result: 'stale'; readonly status: 404 | 409 };

/** Applies {@link ObjectWrite}s; the one place the operator writes to the API. */
export interface ObjectWriter {
  apply(write: ObjectWrite): Promise<WriteResult>;
}

/** An {@link ObjectWriter} over a KubeConfig. */
export function kubernetesObjectWriter(kubeConfig: KubeConfig): ObjectWriter {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const certs = kubeConfig.makeApiClient(CertificatesV1Api);
  const send = (w: ObjectWrite): Promise<unknown> => {
    if (w.kind === 'CertificateSigningRequest') {
      return w.verb === 'create' ? certs.createCertificateSigningRequest({ body: w.body }) : certs.deleteCertificateSigningRequest({ name: w.name });
    }
    const namespace = w.body.metadata?.namespace ?? '';
    const name = w.body.metadata?.name ?? '';
    if (w.kind === 'Secret') {
      return w.verb === 'create' ? core.createNamespacedSecret({ namespace, body: w.body }) : core.replaceNamespacedSecret({ name, namespace, body: w.body });
    }
    return w.verb === 'create' ? core.createNamespacedConfigMap({ namespace, body: w.body }) : core.replaceNamespacedConfigMap({ name, namespace, body: w.body });
  };
  return {
    async apply(write) {
      try {
        return { result: 'written', object: await send(write) };
      } catch (e) {
        if (isConflict(e)) return { result: 'stale', status: 409 };
        if (isNotFound(e) && write.verb !== 'create') return { result: 'stale', status: 404 };
        throw e;
      }
    },
  };
}

/** `verb kind namespace/name`, for logs. */
export function describeWrite(w: ObjectWrite): string {
  if (w.verb === 'delete') return `delete ${w.kind} ${w.name}`;
  const meta = w.body.metadata ?? {};
  return `${w.verb} ${w.kind} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? ''}`;
}
