// vitest globalSetup: one control plane per vitest run, provided to tests as inject('localCluster').
// Reuses a live cluster when CERTSCRAPE_CLUSTER_STATE_DIR points at one (and then leaves it running);
// otherwise starts one in a fresh temp dir and tears it down (and removes the dir) at the end.
// A watchdog kills the processes should this runner die without teardown.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { attachLocalCluster, clusterStatus, upLocalCluster } from '../cluster.js';
import { readEnvironment } from '../config.js';
import { clusterPaths } from '../layout.js';
import { stopProcess } from '../process.js';
import { startWatchdog } from '../watchdog.js';
import './provided-context.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = readEnvironment();
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  if (env.clusterStateDir) {
    const status = await clusterStatus(env.clusterStateDir);
    if (status.live) {
      const cluster = await attachLocalCluster(env.clusterStateDir);
      log(`[local-cluster] reusing the cluster in ${env.clusterStateDir} (${cluster.info.server})`);
      project.provide('localCluster', cluster.info);
      return async () => undefined;
    }
    log(`[local-cluster] CERTSCRAPE_CLUSTER_STATE_DIR=${env.clusterStateDir} holds no live cluster; starting a fresh one`);
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'certscrape-cluster-'));
  const cluster = await upLocalCluster({
    stateDir,
    onProgress: (l) => log(`[local-cluster] ${l}`),
    ...(env.k8sBinDir ? { binDir: env.k8sBinDir } : {}),
    ...(env.signingDurationSeconds ? { signingDurationSeconds: env.signingDurationSeconds } : {}),
  });
  const watchdog = startWatchdog(clusterPaths(stateDir).stateFile);
  project.provide('localCluster', cluster.info);
  return async () => {
    await cluster.down();
    await stopProcess(watchdog, 2000);
    rmSync(stateDir, { recursive: true, force: true });
  };
}
