/**
 * @certscrape/monitoring-operator — keeps the scraper client certificate Secret valid
 * and the client CA bundle mirrored. The bin is `certscrape-monitoring-operator`
 * (src/main.ts); these exports are the testable pieces.
 */
export * from './errors.js';
export * from './config.js';
export * from './backoff.js';
export * from './plan.js';
export * from './issued-check.js';
export * from './installed-pair.js';
export * from './pending-state.js';
export * from './csr-object.js';
export * from './tls-secret.js';
export * from './ca-mirror.js';
export * from './metrics.js';
export { CertificateController, EVENT_REASON, describeError } from './controller.js';
export type { ControllerConfig, ControllerOptions } from './controller.js';
