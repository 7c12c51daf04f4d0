import type { V1ConfigMap } from '@kubernetes/client-node';
import { parseCertificateBundle, type ParsedCertificate } from '@certscrape/pkcs';
import { CLIENT_CA_CONFIGMAP_KEY } from '@certscrape/identity';
import { MANAGED_BY_LABEL } from './pending-state.js';

/** Where the cluster publishes its client CA bundle. */
export const CLIENT_CA_SOURCE = { namespace: 'kube-system', name: 'extension-apiserver-authentication', key: 'client-ca-file' } as const;
export { CLIENT_CA_CONFIGMAP_KEY };

/** The source bundle, assessed. */
export type CaSource =
  | { readonly state: 'missing' }
  | { readonly state: 'invalid'; readonly message: string }
  | { readonly state: 'valid'; readonly pem: string; readonly roots: readonly ParsedCertificate[] };

/** Reads and parses `client-ca-file` from the source ConfigMap (undefined = not found). Pure. */
export function readCaSource(configMap: Pick<V1ConfigMap, 'data'> | undefined): CaSource {
  const pem = configMap?.data?.[CLIENT_CA_SOURCE.key];
  if (!pem || pem.trim() === '') return { state: 'missing' };
  try {
    return { state: 'valid', pem, roots: parseCertificateBundle(pem) };
  } catch (e) {
    return { state: 'invalid', message: `${CLIENT_CA_SOURCE.key} does not parse as a certificate bundle: ${(e as Error).message}` };
  }
}

/** What to do to the mirror ConfigMap. */
export type CaMirrorAction =
  | { readonly type: 'none' }
  /** The source is missing or unparsable: leave the mirror as it is (never empty it). */
  | { readonly type: 'hold'; readonly message: string }
  | { readonly type: 'create'; readonly body: V1ConfigMap }
  | { readonly type: 'update'; readonly body: V1ConfigMap };

/**
 * Decides how the mirror follows the source: create it, update `client-ca.crt` when the
 * bytes differ (other keys, labels and annotations are kept), or nothing. A missing or
 * broken source never clears a good mirror. Pure.
 */
export function planCaMirror(source: CaSource, mirror: V1ConfigMap | undefined, target: { readonly namespace: string; readonly name: string }): CaMirrorAction {
  if (source.state === 'missing') return { type: 'hold', message: `${CLIENT_CA_SOURCE.namespace}/${CLIENT_CA_SOURCE.name} has no ${CLIENT_CA_SOURCE.key}` };
  if (source.state === 'invalid') return { type: 'hold', message: source.message };
  if (!mirror) {
    return {
      type: 'create',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: target.name, namespace: target.namespace, labels: { ...MANAGED_BY_LABEL } }, data: { [CLIENT_CA_CONFIGMAP_KEY]: source.pem } },
    };
  }
  if (mirror.data?.[CLIENT_CA_CONFIGMAP_KEY] === source.pem) return { type: 'none' };
  const meta = mirror.metadata ?? {};
  return {
    type: 'update',
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: target.name, namespace: target.namespace, resourceVersion: meta.resourceVersion, labels: { ...(meta.labels ?? {}), ...MANAGED_BY_LABEL }, annotations: meta.annotations },
      data: { ...(mirror.data ?? {}), [CLIENT_CA_CONFIGMAP_KEY]: source.pem },
      ...(mirror.binaryData ? { binaryData: mirror.binaryData } : {}),
    },
  };
}
