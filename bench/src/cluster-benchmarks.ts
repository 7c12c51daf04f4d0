import type { Results } from './support/results.js';

/** Inputs of the benchmarks that need the local control plane. */
export interface ClusterBenchInputs {
  readonly repo: string;
  readonly work: string;
  readonly results: Results;
  readonly log: (line: string) => void;
  readonly quick: boolean;
}

/** kube-apiserver load per scrape, approver end to end, operator time to Secret. */
export async function runClusterBenchmarks(_i: ClusterBenchInputs): Promise<void> {
  throw new Error('cluster benchmarks: not written yet');
}
