/**
 * @certscrape/identity — the scraper identity, the CSR policy that both the
 * operator (to build) and the approver (to check) use, and the rotation schedule.
 * Pure: no I/O, no clock, no environment.
 */
export * from './defaults.js';
export * from './errors.js';
export * from './service-account.js';
export * from './scraper-identity.js';
export * from './identity-set.js';
export * from './csr-policy.js';
export * from './csr-view.js';
export * from './violation.js';
export * from './scraper-certificate.js';
export * from './csr-rules.js';
export * from './evaluate-csr.js';
export * from './build-csr-spec.js';
export * from './rotation.js';
