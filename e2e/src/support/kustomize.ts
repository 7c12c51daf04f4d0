// The kustomize-subset renderer lives in @certscrape/local-cluster (bench and e2e both use it).
export { CLUSTER_SCOPED_KINDS, KustomizeError, objectId, parseObjects, renderKustomization } from '@certscrape/local-cluster';
export type { KubeObject, KustomizeErrorCode, RenderOptions } from '@certscrape/local-cluster';
