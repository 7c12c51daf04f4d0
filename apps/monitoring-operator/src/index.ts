/**
 * @certscrape/monitoring-operator — keeps the scraper client certificate Secret valid
 * and the client CA bundle mirrored. The bin is `certscrape-monitoring-operator`
 * (src/main.ts); these exports are the testable pieces.
 */
export * from './errors.js';
export * from './config.js';
export * from './plan.js';
export * from './installed-pair.js';
export * from './pending-state.js';
export * from './csr-object.js';
export * from './tls-secret.js';
export * from './ca-mirror.js';
export * from './metrics.js';
export * from './object-write.js';
export * from './certificate-step.js';
export { OperatorCaches, caMirrorKey, caMirrorTargets, certificateKey, csrLabelSelector } from './operator-caches.js';
export type { CacheScope, QueueKey } from './operator-caches.js';
export * from './managed-identities.js';
export { IdentityRecordReconciler } from './identity-record-reconciler.js';
export { CertificateReconciler } from './certificate-reconciler.js';
export type { CertificateReconcilerOptions } from './certificate-reconciler.js';
export { CaMirrorReconciler } from './ca-mirror-reconciler.js';
export { MonitoringOperator, describeError } from './operator.js';
export type { ControllerConfig, ControllerOptions } from './operator.js';
