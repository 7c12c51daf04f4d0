// Test helpers for projects whose integration tests run against the local control plane, and the
// shared test kit (ports, waiting, Secret volumes, processes, recorders, deploy/ RBAC).
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

// The test kit: one implementation of each helper the suites share.
export { freePort, freePorts } from '../ports.js';
export { controllerManagerTargetFlags } from './controller-manager-target.js';
export { waitFor, WaitTimeoutError } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
export { SecretVolume } from './secret-volume.js';
export { SupervisedProcess, ProcessExitedError } from './supervised-process.js';
export type { SupervisedProcessSpec } from './supervised-process.js';
export { ObjectRecorder } from './object-recorder.js';
export type { RecordableSource, RecordedVersion } from './object-recorder.js';
export { applyComponentRbac, componentRbac, DEPLOY_DIR, RBAC_KINDS } from './component-rbac.js';
export type { ComponentRbacOptions } from './component-rbac.js';
