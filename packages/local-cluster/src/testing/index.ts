// Test helpers for projects whose integration tests run against the local control plane.
import { inject } from 'vitest';
import { attachLocalCluster } from '../cluster.js';
import { LocalClusterError } from '../errors.js';
import type { ClusterInfo, LocalCluster } from '../types.js';
import './provided-context.js';

/**
 * The cluster of this vitest run: inject('localCluster'), provided by
 * packages/local-cluster/src/testing/global-setup.ts (the default globalSetup of the `integration` kind in
 * vitest.shared.mjs). Fails with LOCAL_CLUSTER_ERR_NOT_PROVIDED when that global setup did not run.
 */
export function localClusterFromInject(): ClusterInfo {
  const info = inject('localCluster') as ClusterInfo | undefined;
  if (!info || typeof info.kubeconfig !== 'string') {
    throw new LocalClusterError(
      'LOCAL_CLUSTER_ERR_NOT_PROVIDED',
      "inject('localCluster') is empty: run with the integration vitest config (projectConfig(dir, 'integration')), whose globalSetup starts the cluster",
    );
  }
  return info;
}

/** A LocalCluster handle on the injected cluster (stopApiserver/startApiserver, restartControllerManager, serviceAccountKubeconfig). */
export function localClusterHandleFromInject(): Promise<LocalCluster> {
  return attachLocalCluster(localClusterFromInject().stateDir);
}

export type { ClusterInfo, LocalCluster } from '../types.js';
