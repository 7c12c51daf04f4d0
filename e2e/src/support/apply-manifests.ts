import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PolicyV1Api } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { applyObjects, renderKustomization, toKubeConfig, type ApplyOptions, type KubeObject } from '@certscrape/local-cluster';

// The generic server-side apply lives in @certscrape/local-cluster; this module knows deploy/.
export { APPLY_ORDER, ApplyError, DEFAULT_FIELD_MANAGER, IDENTITY_AND_RBAC_KINDS, applyObjects, sortForApply, toKubeConfig } from '@certscrape/local-cluster';
export type { ApplyErrorCode, ApplyOptions } from '@certscrape/local-cluster';

/** Absolute path of the repository's `deploy/` directory (the base kustomization). */
export const DEPLOY_DIR: string = fileURLToPath(new URL('../../../deploy/', import.meta.url));

/** The base's parts (directories under {@link DEPLOY_DIR}; namespace-free, the base sets it). */
export const BASE_PARTS = ['csr-approver', 'monitoring-operator', 'scraper-rbac', 'network-policies'] as const;

/** The optional kustomize components under `deploy/components/`. */
export const DEPLOY_COMPONENTS = ['bare-cluster', 'monitoring', 'user-workload'] as const;
/** One of {@link DEPLOY_COMPONENTS}. */
export type DeployComponent = (typeof DEPLOY_COMPONENTS)[number];

/** The samples under `deploy/samples/` that are kustomizations. */
export const DEPLOY_SAMPLES = ['example-prometheus', 'example-exporter'] as const;
/** One of {@link DEPLOY_SAMPLES}. */
export type DeploySample = (typeof DEPLOY_SAMPLES)[number];

/** What to render: the base, plus components (as a user's overlay would add them), plus samples. */
export interface DeployRenderOptions {
  readonly components?: readonly DeployComponent[];
  readonly samples?: readonly DeploySample[];
}

/**
 * Renders the base (deploy/), with `components` applied the way a user's overlay
 * (`resources: [deploy]`, `components: [deploy/components/…]`) applies them, followed by the
 * `samples`. The kustomize-subset renderer reads the real files; an overlay is written to a
 * scratch directory only when components are asked for.
 */
export function renderDeploy(options: DeployRenderOptions = {}): KubeObject[] {
  const samples = (options.samples ?? []).flatMap((s) => renderKustomization(join(DEPLOY_DIR, 'samples', s)));
  const components = options.components ?? [];
  if (components.length === 0) return [...renderKustomization(DEPLOY_DIR), ...samples];
  return [...withOverlay(components, (dir) => renderKustomization(dir)), ...samples];
}

/**
 * Writes a user's overlay over the base with `components` into a scratch directory, runs `fn` on
 * it (the directory holds only kustomization.yaml; paths are relative, as kustomize requires) and
 * removes it.
 */
export function withOverlay<T>(components: readonly DeployComponent[], fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'certscrape-overlay-'));
  try {
    const yaml = [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      `  - ${JSON.stringify(relative(dir, DEPLOY_DIR))}`,
      'components:',
      ...components.map((c) => `  - ${JSON.stringify(relative(dir, join(DEPLOY_DIR, 'components', c)))}`),
      '',
    ].join('\n');
    writeFileSync(join(dir, 'kustomization.yaml'), yaml);
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Renders ({@link renderDeploy}) and server-side-applies. The e2e suite uses this with
 * `{ kinds: IDENTITY_AND_RBAC_KINDS }` to create its namespaces, service accounts and RBAC from the
 * same manifests users install.
 */
export async function applyKustomization(kubeconfig: string | KubeConfig, render: DeployRenderOptions = {}, options: ApplyOptions = {}): Promise<KubernetesObject[]> {
  return applyObjects(kubeconfig, await forServer(kubeconfig, renderDeploy(render)), options);
}

/**
 * The objects as this server can take them. deploy/ targets Kubernetes >= 1.21 (PodDisruptionBudget
 * `policy/v1`); the local control plane is 1.20, which serves PDBs only as `policy/v1beta1` — with
 * the same `minAvailable` and `selector` fields, so there (and only there) the apiVersion is
 * rewritten. Nothing else is changed.
 */
export async function forServer(kubeconfig: string | KubeConfig, objects: readonly KubeObject[]): Promise<KubeObject[]> {
  if (!objects.some((o) => o.kind === 'PodDisruptionBudget' && o.apiVersion === 'policy/v1')) return [...objects];
  // Discovery of policy/v1: a 404 (group version not served) means the server predates it.
  const hasPolicyV1 = await toKubeConfig(kubeconfig)
    .makeApiClient(PolicyV1Api)
    .getAPIResources()
    .then(
      (list) => list.resources.some((r) => r.kind === 'PodDisruptionBudget'),
      () => false,
    );
  if (hasPolicyV1) return [...objects];
  return objects.map((o) => (o.kind === 'PodDisruptionBudget' && o.apiVersion === 'policy/v1' ? { ...structuredClone(o), apiVersion: 'policy/v1beta1' } : o));
}
