import { KubeConfig, RbacAuthorizationV1Api, ApiException } from '@kubernetes/client-node';
import { IDENTITY_AND_RBAC_KINDS, applyKustomization } from './apply-manifests.js';

/**
 * Creates the namespaces, service accounts and RBAC of the whole system from the manifests in
 * deploy/ (the same files users install; workloads are not applied — the apps run as local
 * processes here): the base, the bare-cluster component (the e2e cluster has no kube-prometheus, so
 * it supplies Namespace `monitoring` and ServiceAccount `prometheus-k8s`) and the two samples.
 * Returns "Kind namespace/name" of every applied object.
 */
export async function applyDeployIdentities(kubeconfig: string): Promise<string[]> {
  const applied = await applyKustomization(kubeconfig, { components: ['bare-cluster'], samples: ['example-prometheus', 'example-exporter'] }, { kinds: IDENTITY_AND_RBAC_KINDS, fieldManager: 'certscrape-e2e' });
  return applied.map((o) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`);
}

/**
 * E2e-only RBAC (not part of deploy/, whose example target needs no API access): lets the
 * targets' service account send TokenReviews and SubjectAccessReviews (ClusterRole
 * `system:auth-delegator`), which the token fallback — the control group — needs. Idempotent.
 */
export async function grantAuthDelegator(kubeconfig: string, serviceAccount: { namespace: string; name: string }): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const name = `certscrape-e2e:${serviceAccount.namespace}:${serviceAccount.name}:auth-delegator`;
  try {
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
        subjects: [{ kind: 'ServiceAccount', namespace: serviceAccount.namespace, name: serviceAccount.name }],
      },
    });
  } catch (e) {
    if (!(e instanceof ApiException && e.code === 409)) throw e;
  }
}
