import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { applyObjects, renderKustomization, type ApplyOptions, type KubeObject } from '@certscrape/local-cluster';

// The generic server-side apply lives in @certscrape/local-cluster; this module knows deploy/.
export { APPLY_ORDER, ApplyError, DEFAULT_FIELD_MANAGER, IDENTITY_AND_RBAC_KINDS, applyObjects, sortForApply, toKubeConfig } from '@certscrape/local-cluster';
export type { ApplyErrorCode, ApplyOptions } from '@certscrape/local-cluster';

/** Absolute path of the repository's `deploy/` directory (the top-level kustomization). */
export const DEPLOY_DIR: string = fileURLToPath(new URL('../../../deploy/', import.meta.url));

/** The per-component kustomizations under {@link DEPLOY_DIR}, in install order. */
export const DEPLOY_COMPONENTS = ['namespace', 'csr-approver', 'monitoring-operator', 'scraper-rbac', 'scraper-proxy', 'target-auth'] as const;
/** One of {@link DEPLOY_COMPONENTS}. */
export type DeployComponent = (typeof DEPLOY_COMPONENTS)[number];

/**
 * Renders the kustomization `component` of deploy/ (or the top-level one when omitted, i.e. the
 * whole system) and server-side-applies it. The e2e suite uses this with
 * `{ kinds: IDENTITY_AND_RBAC_KINDS }` to create its namespaces, service accounts and RBAC from the
 * same manifests users install.
 */
export async function applyKustomization(kubeconfig: string | KubeConfig, component?: DeployComponent, options: ApplyOptions = {}): Promise<KubernetesObject[]> {
  return applyObjects(kubeconfig, renderDeploy(component), options);
}

/** Renders deploy/<component> (or deploy/ itself) with the kustomize-subset renderer. */
export function renderDeploy(component?: DeployComponent): KubeObject[] {
  return renderKustomization(component === undefined ? DEPLOY_DIR : join(DEPLOY_DIR, component));
}
