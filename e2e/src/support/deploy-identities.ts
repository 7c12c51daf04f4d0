import { KubeConfig, RbacAuthorizationV1Api, ApiException } from '@kubernetes/client-node';
import { applyObjects, forServer, IDENTITY_AND_RBAC_KINDS, renderDeploy, type DeployRenderOptions } from './apply-manifests.js';
import { E2eError } from './errors.js';

/** What the e2e installs from deploy/: the base, the bare-cluster and user-workload components, the two samples. */
const RENDER: DeployRenderOptions = { components: ['bare-cluster', 'user-workload'], samples: ['example-prometheus', 'example-exporter'] };

/** The ConfigMap of the user-workload component holding the identities file both controllers read. */
const IDENTITIES_CONFIGMAP = { namespace: 'monitoring', name: 'certscrape-identities', key: 'identities.yaml' } as const;

/** What {@link applyDeployIdentities} applied, and the identities file deploy/ ships. */
export interface DeployIdentities {
  /** "Kind namespace/name" of every applied object. */
  readonly applied: readonly string[];
  /** The text of `identities.yaml` of ConfigMap monitoring/certscrape-identities (the controllers' --identities-file). */
  readonly identitiesFile: string;
}

/**
 * Creates the namespaces, service accounts and RBAC of the whole system from the manifests in
 * deploy/ (the same files users install; workloads are not applied — the apps run as local
 * processes here): the base, the bare-cluster component (the e2e cluster has no kube-prometheus, so
 * it supplies Namespace `monitoring` and ServiceAccount `prometheus-k8s`), the user-workload component
 * (a second scraper identity: its namespace, service account and the operator's Role there) and the two
 * samples. Also returns that component's identities file, which the controllers are started with.
 */
export async function applyDeployIdentities(kubeconfig: string): Promise<DeployIdentities> {
  const rendered = renderDeploy(RENDER);
  const configMap = rendered.find((o) => o.kind === 'ConfigMap' && o.metadata?.namespace === IDENTITIES_CONFIGMAP.namespace && o.metadata?.name === IDENTITIES_CONFIGMAP.name);
  const identitiesFile = (configMap as { data?: Record<string, string> } | undefined)?.data?.[IDENTITIES_CONFIGMAP.key];
  if (!identitiesFile) throw new E2eError('E2E_ERR_ASSERTION', `deploy/ renders no ConfigMap ${IDENTITIES_CONFIGMAP.namespace}/${IDENTITIES_CONFIGMAP.name} with ${IDENTITIES_CONFIGMAP.key}`);
  const applied = await applyObjects(kubeconfig, await forServer(kubeconfig, rendered), { kinds: IDENTITY_AND_RBAC_KINDS, fieldManager: 'certscrape-e2e' });
  return { applied: applied.map((o) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`), identitiesFile };
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
