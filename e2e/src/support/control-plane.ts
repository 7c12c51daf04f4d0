import { join } from 'node:path';
import { upLocalCluster, type LocalCluster } from '@certscrape/local-cluster';
import type { CleanupStack } from './cleanup-stack.js';
import { runCommandSync } from './run-command.js';
import { nodeBin } from './workspace-bins.js';

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** State dir of the cluster (PKI, etcd data, logs). */
  readonly stateDir: string;
  /** kube-apiserver --bind-address: the host side of the veth pair, so the namespace can reach it. */
  readonly bindAddress: string;
  /** kube-controller-manager --cluster-signing-duration in seconds. */
  readonly signingDurationSeconds: number;
  /** Sign CSRs with a CA of its own beside the cluster CA, so it can be rotated out (local-cluster's `separateSigningCa`). */
  readonly separateSigningCa?: boolean;
  /** Prebuilt binaries (CERTSCRAPE_K8S_BIN_DIR); default: provisioned by the local-cluster package. */
  readonly binDir?: string;
  readonly onProgress?: (line: string) => void;
}

/**
 * The embedded control plane (etcd + kube-apiserver + kube-controller-manager as processes),
 * registered for cleanup: `down()` normally, `certscrape-cluster down` synchronously on exit.
 */
export async function startControlPlane(options: ControlPlaneOptions, cleanup: CleanupStack): Promise<LocalCluster> {
  const bin = nodeBin('cluster');
  // Registered before up: a failed or interrupted up is torn down too (down on a dead state dir is a no-op).
  const started: { cluster?: LocalCluster } = {};
  cleanup.defer(
    'control plane',
    async () => {
      if (started.cluster) await started.cluster.down();
      else runCommandSync([...bin, 'down', '--state-dir', options.stateDir]);
    },
    () => runCommandSync([...bin, 'down', '--state-dir', options.stateDir]),
  );
  const cluster = await upLocalCluster({
    stateDir: options.stateDir,
    bindAddress: options.bindAddress,
    signingDurationSeconds: options.signingDurationSeconds,
    ...(options.separateSigningCa ? { separateSigningCa: true } : {}),
    ...(options.binDir ? { binDir: options.binDir } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  started.cluster = cluster;
  return cluster;
}

/** Where the cluster keeps its logs (for failure messages). */
export function controlPlaneLogDir(stateDir: string): string {
  return join(stateDir, 'logs');
}
