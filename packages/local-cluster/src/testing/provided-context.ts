import type { ClusterInfo } from '../types.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cluster of this vitest run, provided by @certscrape/local-cluster's global setup. */
    localCluster: ClusterInfo;
  }
}

export {};
