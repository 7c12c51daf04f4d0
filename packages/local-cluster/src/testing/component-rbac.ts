import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { applyObjects, toKubeConfig } from '../manifests/apply-manifests.js';
import { renderKustomization, type KubeObject } from '../manifests/kustomize.js';

/** The repository's `deploy/` directory. */
export const DEPLOY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../deploy');

/** The identity and RBAC kinds a component's test grants come from. */
export const RBAC_KINDS: ReadonlySet<string> = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/** Options of {@link componentRbac}. */
export interface ComponentRbacOptions {
  /**
   * Move the component's own Roles and RoleBindings (those in `homeNamespace`) into this
   * namespace, so each test works in a fresh namespace. Subjects, rules, roleRefs, the
   * ServiceAccount and Roles in other namespaces (kube-system) are left exactly as rendered.
   * Default: no move.
   */
  readonly namespace?: string;
  /** The namespace the manifests are written for. Default `monitoring`. */
  readonly homeNamespace?: string;
  /** Default {@link DEPLOY_DIR}. */
  readonly deployDir?: string;
}

/**
 * Exactly `deploy/<component>`'s identity and RBAC objects, as the base renders them (kustomize renderer),
 * with only `metadata.namespace` of the component's home-namespace Roles and RoleBindings moved
 * (see {@link ComponentRbacOptions.namespace}). Nothing is added: a test that needs more than
 * this has found a gap in deploy/.
 */
export function componentRbac(component: string, options: ComponentRbacOptions = {}): KubeObject[] {
  const home = options.homeNamespace ?? 'monitoring';
  // The parts of deploy/ are namespace-free (the base's NamespaceTransformer sets it): render the
  // base and take the component's objects by their app.kubernetes.io/name label.
  const rendered = renderKustomization(options.deployDir ?? DEPLOY_DIR).filter((o) => RBAC_KINDS.has(o.kind) && o.metadata.labels?.['app.kubernetes.io/name'] === component);
  if (rendered.length === 0) throw new Error(`deploy/ renders no identity or RBAC object labelled app.kubernetes.io/name=${component}`);
  return rendered.map((o) => {
    const move = options.namespace !== undefined && (o.kind === 'Role' || o.kind === 'RoleBinding') && o.metadata.namespace === home;
    return move ? { ...o, metadata: { ...o.metadata, namespace: options.namespace! } } : o;
  });
}

/**
 * Applies {@link componentRbac} (server-side apply, as `kubectl apply --server-side` would),
 * creating the namespaces it needs first. Returns the objects it applied, for a test to diff.
 */
export async function applyComponentRbac(kubeconfig: string | KubeConfig, component: string, options: ComponentRbacOptions = {}): Promise<KubeObject[]> {
  const kc = toKubeConfig(kubeconfig);
  const objects = componentRbac(component, options);
  const core = kc.makeApiClient(CoreV1Api);
  for (const ns of new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n))) {
    try {
      await core.createNamespace({ body: { metadata: { name: ns } } });
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
    }
  }
  await applyObjects(kc, objects, { fieldManager: `certscrape-test-${component}` });
  return objects;
}
