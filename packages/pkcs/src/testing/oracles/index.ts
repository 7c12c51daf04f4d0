// @certscrape/pkcs/testing/oracles — differential-test instruments (test-only; they run other programs):
// the Go crypto/x509 oracle, the OpenSSL verify oracle, and the fast-check generators both are fed with.
export * from './go-oracle.js';
export * from './openssl-oracle.js';
export * from './x509-arbitraries.js';
/** DER writers, for tests that hand-build hostile objects (test-only re-export). */
export { derOid, derSequence, derTlv } from '../../der.js';
