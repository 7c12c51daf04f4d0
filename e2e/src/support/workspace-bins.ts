import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { E2eError } from './errors.js';

/** The repository root (this file sits at e2e/{src,dist}/support/). */
export const WORKSPACE_ROOT = resolve(import.meta.dirname, '../../..');

/** The bins the scenario drives as black boxes, by their package directory. */
export const BINS = {
  cluster: 'packages/local-cluster/bin/certscrape-cluster.js',
  csrApprover: 'apps/csr-approver/bin/certscrape-csr-approver.js',
  monitoringOperator: 'apps/monitoring-operator/bin/certscrape-monitoring-operator.js',
  scraperProxy: 'apps/scraper-proxy/bin/certscrape-scraper-proxy.js',
  targetAuth: 'packages/target-auth/bin/certscrape-target-auth.js',
  nodeMetricsServer: 'e2e/dist/fixtures/node-metrics-server.js',
} as const;

/** Name of a bin in {@link BINS}. */
export type BinName = keyof typeof BINS;

/**
 * argv that runs a workspace bin with this Node (`node <bin>`). Bins import their package's
 * built `dist/`, so the workspace must be built first (`npx nx run-many -t build`).
 * Missing bin or build -> E2E_ERR_COMMAND naming the fix.
 */
export function nodeBin(name: BinName): [string, string] {
  const path = join(WORKSPACE_ROOT, BINS[name]);
  const dist = name === 'nodeMetricsServer' ? path : join(path, '../../dist');
  if (!existsSync(path) || !existsSync(dist)) {
    throw new E2eError('E2E_ERR_COMMAND', `${BINS[name]} (or its dist/) is missing: run \`NX_DAEMON=false npx nx run-many -t build\` first`);
  }
  return [process.execPath, path];
}
