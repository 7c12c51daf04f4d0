import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { LocalClusterError } from './errors.js';

/** Where kube-apiserver publishes its client CA bundle (key `client-ca-file`). */
export const CLIENT_CA_PUBLICATION = { namespace: 'kube-system', name: 'extension-apiserver-authentication', key: 'client-ca-file' } as const;

/** The certificates of a PEM bundle, each as its trimmed PEM block (order kept). Pure. */
export function pemBlocks(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Makes kube-apiserver publish exactly its current --client-ca-file. Its
 * cluster-authentication-trust controller only ever adds to
 * kube-system/extension-apiserver-authentication (it merges the file with what is published, so
 * HA apiservers with different files do not fight; a restart merges too): a CA removed from the
 * file stays published until the ConfigMap is deleted, which makes the controller write it
 * afresh from what it has loaded. kube-apiserver re-reads the file only about once a minute, so
 * until it has, the rewrite still holds the old bundle: delete, wait a few seconds for exactly the
 * file's certificates, and delete again, until they are published.
 */
export async function republishClientCa(kubeconfig: string, bundleFile: string, timeoutMs = 180_000): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const { namespace, name, key } = CLIENT_CA_PUBLICATION;
  const want = pemBlocks(readFileSync(bundleFile, 'utf8')).join('\n');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await core.deleteNamespacedConfigMap({ namespace, name });
    } catch (e) {
      if (!(e instanceof ApiException && e.code === 404)) throw new LocalClusterError('LOCAL_CLUSTER_ERR_KUBE', `deleting ${namespace}/${name}: ${(e as Error).message}`);
    }
    const attemptEnd = Math.min(deadline, Date.now() + 5000);
    while (Date.now() < attemptEnd) {
      await sleep(250);
      const cm = await core.readNamespacedConfigMap({ namespace, name }).catch(() => undefined);
      if (cm && pemBlocks(cm.data?.[key] ?? '').join('\n') === want) return;
    }
    if (Date.now() >= deadline) throw new LocalClusterError('LOCAL_CLUSTER_ERR_TIMEOUT', `kube-apiserver did not republish ${namespace}/${name} with its --client-ca-file within ${Math.round(timeoutMs / 1000)}s`);
  }
}
