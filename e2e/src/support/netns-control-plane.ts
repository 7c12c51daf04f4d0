// The prelude every netns-based e2e shares: a network namespace, the local control plane with
// kube-apiserver on the host side of the veth pair (the namespace's only route to it), deploy/'s
// identities and RBAC applied, and service-account kubeconfigs on demand.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalCluster } from '@certscrape/local-cluster';
import type { CleanupStack } from './cleanup-stack.js';
import { startControlPlane } from './control-plane.js';
import { applyDeployIdentities, type DeployIdentities } from './deploy-identities.js';
import { NetworkNamespace, netnsPlan, type NetnsPlan } from './network-namespace.js';

/** What {@link startNetnsControlPlane} started. */
export interface NetnsControlPlane {
  readonly plan: NetnsPlan;
  readonly ns: NetworkNamespace;
  readonly cluster: LocalCluster;
  /** The admin kubeconfig. */
  readonly admin: string;
  /** What deploy/ applied, and the identities file it ships. */
  readonly deployed: DeployIdentities;
  /** Writes (TokenRequest) and returns a kubeconfig for a service account, under `<workDir>/kubeconfigs`. */
  serviceAccountKubeconfig(namespace: string, name: string): Promise<string>;
}

/** Options of {@link startNetnsControlPlane}. */
export interface NetnsControlPlaneOptions {
  readonly workDir: string;
  /** kube-controller-manager --cluster-signing-duration, seconds. */
  readonly signingDurationSeconds: number;
  /** Sign CSRs with a CA of its own beside the cluster CA (local-cluster's `separateSigningCa`). */
  readonly separateSigningCa?: boolean;
  /** The namespace's plan, when the caller names it before starting (default `netnsPlan(process.pid)`). */
  readonly plan?: NetnsPlan;
  readonly binDir?: string;
  readonly onProgress?: (line: string) => void;
}

/** Starts the namespace, the control plane and deploy/'s identities; everything is registered on `cleanup`. */
export async function startNetnsControlPlane(options: NetnsControlPlaneOptions, cleanup: CleanupStack): Promise<NetnsControlPlane> {
  const plan = options.plan ?? netnsPlan(process.pid);
  const ns = await NetworkNamespace.create(plan);
  cleanup.defer('network namespace', () => ns.destroy(), () => ns.destroySync());
  const cluster = await startControlPlane(
    {
      stateDir: join(options.workDir, 'cluster'),
      bindAddress: plan.hostAddress,
      signingDurationSeconds: options.signingDurationSeconds,
      ...(options.separateSigningCa ? { separateSigningCa: true } : {}),
      ...(options.binDir ? { binDir: options.binDir } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
    cleanup,
  );
  const admin = cluster.info.kubeconfig;
  const deployed = await applyDeployIdentities(admin);
  const kcDir = join(options.workDir, 'kubeconfigs');
  await mkdir(kcDir, { recursive: true });
  return {
    plan,
    ns,
    cluster,
    admin,
    deployed,
    serviceAccountKubeconfig: (namespace, name) => cluster.serviceAccountKubeconfig({ namespace, name, out: join(kcDir, `${namespace}-${name}.kubeconfig`) }),
  };
}
