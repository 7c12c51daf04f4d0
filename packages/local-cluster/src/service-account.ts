import { readFileSync, writeFileSync } from 'node:fs';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { LocalClusterError } from './errors.js';
import { renderKubeconfig } from './kubeconfig.js';
import type { ClusterInfo, ServiceAccountKubeconfigOptions } from './types.js';

/** TokenRequest lifetime when the caller does not ask for one: a day outlives any test run. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 86_400;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Splits "NS/NAME" into its parts; LOCAL_CLUSTER_ERR_ARGUMENT unless both are DNS labels. */
export function parseServiceAccountRef(ref: string): { namespace: string; name: string } {
  const parts = ref.split('/');
  const [namespace, name] = parts;
  if (parts.length !== 2 || !namespace || !name || !DNS_LABEL.test(namespace) || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_ARGUMENT', `expected NAMESPACE/NAME, got ${JSON.stringify(ref)}`);
  }
  return { namespace, name };
}

/** The username Kubernetes gives a service account: system:serviceaccount:NS:NAME. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

const isStatus = (e: unknown, code: number): boolean => e instanceof ApiException && e.code === code;

/**
 * With the admin kubeconfig of `info`: creates namespace and service account when missing, requests a token
 * for it (TokenRequest, default audiences, `expirationSeconds` default 86400) and writes a kubeconfig with that
 * token to `out` (mode 0600). Resolves with `out`. RBAC for the account is the caller's business.
 */
export async function writeServiceAccountKubeconfig(info: ClusterInfo, options: ServiceAccountKubeconfigOptions): Promise<string> {
  const { namespace, name, out } = options;
  parseServiceAccountRef(`${namespace}/${name}`);
  const kc = new KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  try {
    try {
      await core.createNamespace({ body: { metadata: { name: namespace } } });
    } catch (e) {
      if (!isStatus(e, 409)) throw e;
    }
    try {
      await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
    } catch (e) {
      if (!isStatus(e, 409)) throw e;
    }
    const tr = await core.createNamespacedServiceAccountToken({
      name,
      namespace,
      body: { spec: { audiences: [], expirationSeconds: options.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS } },
    });
    const token = tr.status?.token;
    if (!token) throw new LocalClusterError('LOCAL_CLUSTER_ERR_KUBE', `TokenRequest for ${namespace}/${name} returned no token`);
    const text = renderKubeconfig({
      clusterName: 'certscrape',
      server: info.server,
      caPem: readFileSync(info.caFile, 'utf8'),
      userName: serviceAccountUsername(namespace, name),
      credentials: { token },
      namespace,
    });
    writeFileSync(out, text, { mode: 0o600 });
    return out;
  } catch (e) {
    if (e instanceof LocalClusterError) throw e;
    const detail = e instanceof ApiException ? `HTTP ${e.code}: ${String(e.body).slice(0, 300)}` : e instanceof Error ? e.message : String(e);
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_KUBE', `service account kubeconfig for ${namespace}/${name} failed: ${detail}`, { cause: e });
  }
}
