// The embedded control plane: etcd + kube-apiserver + kube-controller-manager as local processes
// (or a kind cluster), with PKI made by @certscrape/pkcs. See README.md.
export type { ClusterInfo, LocalCluster, ProviderName, ServiceAccountKubeconfigOptions, UpOptions } from './types.js';
export { upLocalCluster, attachLocalCluster, clusterStatus, type ClusterStatusReport } from './cluster.js';
export { LocalClusterError, isLocalClusterError, type LocalClusterErrorCode } from './errors.js';
export { parseDurationSeconds, formatGoDuration } from './duration.js';
export { renderKubeconfig, kubeconfigCluster, type KubeconfigInput, type KubeconfigCredentials } from './kubeconfig.js';
export { parseServiceAccountRef, serviceAccountUsername, DEFAULT_TOKEN_EXPIRATION_SECONDS } from './service-account.js';
export { DEFAULT_SIGNING_DURATION_SECONDS, DEFAULT_BIND_ADDRESS } from './local-provider.js';
export { CONTROLLERS, SERVICE_ACCOUNT_ISSUER } from './flags.js';
export { createSigningCa, joinPemBundle, type PemPair, type SigningCaOptions } from './pki.js';
export { PROVISION_SCRIPT } from './provision.js';
export { renderKustomization, parseObjects, objectId, KustomizeError, CLUSTER_SCOPED_KINDS, type KubeObject, type KustomizeErrorCode, type RenderOptions } from './manifests/kustomize.js';
export { applyObjects, sortForApply, toKubeConfig, ApplyError, APPLY_ORDER, IDENTITY_AND_RBAC_KINDS, DEFAULT_FIELD_MANAGER, type ApplyOptions, type ApplyErrorCode } from './manifests/apply-manifests.js';
