// The prelude every netns-based e2e shares: a network namespace, the local control plane with
// kube-apiserver on the host side of the veth pair (the namespace's only route to it), deploy/'s
// identities and RBAC applied, and service-account kubeconfigs on demand.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalCluster } from '@certscrape/local-cluster';
import type { CleanupStack } from './cleanup-stack.js';
import { startControlPlane } from './control-plane.js';
import { applyDeployIdentities } from './deploy-identities.js';
import { NetworkNamespace, netnsPlan, type NetnsPlan } from './network-namespace.js';

/** What {@link startNetnsControlPlane} started. */
export interface NetnsControlPlane {
  readonly plan: NetnsPlan;
  readonly ns: NetworkNamespace;
  readonly cluster: LocalCluster;
  /** The admin kubeconfig. */
  readonly admin: string;
  /** Writes (TokenRequest) and returns a kubeconfig for a service account, under `<workDir>/kubeconfigs`. */
  serviceAccountKubeconfig(namespace: string, name: string): Promise<string>;
}

/** Starts the namespace, the control plane and deploy/'s identities; everything is registered on `cleanup`. */
export async function startNetnsControlPlane(
  options: { readonly workDir: string; readonly signingDurationSeconds: number; readonly binDir?: string; readonly onProgress?: (line: string) => void },
  cleanup: CleanupStack,
): Promise<NetnsControlPlane> {
  const plan = netnsPlan(process.pid);
  const ns = await NetworkNamespace.create(plan);
  cleanup.defer('network namespace', () => ns.destroy(), () => ns.destroySync());
  const cluster = await startControlPlane(
    {
      stateDir: join(options.workDir, 'cluster'),
      bindAddress: plan.hostAddress,
      signingDurationSeconds: options.signingDurationSeconds,
      ...(options.binDir ? { binDir: options.binDir } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
    cleanup,
  );
  const admin = cluster.info.kubeconfig;
  await applyDeployIdentities(admin);
  const kcDir = join(options.workDir, 'kubeconfigs');
  await mkdir(kcDir, { recursive: true });
  return {
    plan,
    ns,
    cluster,
    admin,
    serviceAccountKubeconfig: (namespace, name) => cluster.serviceAccountKubeconfig({ namespace, name, out: join(kcDir, `${namespace}-${name}.kubeconfig`) }),
  };
}
