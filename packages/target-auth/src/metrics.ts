import { Counter, Gauge, Registry } from 'prom-client';
import type { AuthenticationMethod } from './authn/user-info.js';

/** Outcome label of a request decision. */
export type DecisionResult = 'allowed' | 'unauthenticated' | 'forbidden' | 'not-found' | 'error';
/** How the request was (or was not) authenticated: `none` when no credentials were usable. */
export type DecisionMethod = AuthenticationMethod | 'none';

/** The metrics target-auth records. `decision` (per request) is a plain array increment. */
export interface TargetAuthMetrics {
  decision(method: DecisionMethod, result: DecisionResult): void;
  caBundleReload(result: 'success' | 'error', certificates?: number, at?: Date): void;
  servingCertReload(result: 'success' | 'error'): void;
  delegatedCall(api: 'tokenreview' | 'subjectaccessreview', result: 'ok' | 'error'): void;
  delegatedCache(api: 'tokenreview' | 'subjectaccessreview', result: 'hit' | 'miss'): void;
  /** A full TLS handshake where OpenSSL's and pkcs's chain verdicts differ (`accepted-by` names the one that accepted). */
  verdictDisagreement?(acceptedBy: 'openssl' | 'pkcs'): void;
}

/** Records nothing (the default when no metrics are configured). */
export const noopMetrics: TargetAuthMetrics = Object.freeze({
  decision: () => undefined,
  caBundleReload: () => undefined,
  servingCertReload: () => undefined,
  delegatedCall: () => undefined,
  delegatedCache: () => undefined,
  verdictDisagreement: () => undefined,
});

/**
 * prom-client metrics, registered in `registry` (default: a new Registry, never the global one):
 * - `certscrape_target_auth_decisions_total{method,result}`
 * - `certscrape_target_auth_ca_bundle_reloads_total{result}`, `..._ca_bundle_certificates`,
 *   `..._ca_bundle_last_success_timestamp_seconds`
 * - `certscrape_target_auth_serving_cert_reloads_total{result}`
 * - `certscrape_target_auth_delegated_requests_total{api,result}` (calls that left the process)
 * - `certscrape_target_auth_delegated_cache_lookups_total{api,result}`
 * - `certscrape_target_auth_chain_verdict_disagreements_total{accepted_by}` (OpenSSL vs pkcs at a full handshake)
 */
export function createTargetAuthMetrics(options: { registry?: Registry } = {}): TargetAuthMetrics & { readonly registry: Registry } {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  // The per-request counter is kept in a plain array and folded into prom-client on scrape:
  // prom-client's inc() hashes the label set on every call (~1 µs), too much for the hot path.
  const methods = ['client-certificate', 'token', 'none'] as const;
  const results = ['allowed', 'unauthenticated', 'forbidden', 'not-found', 'error'] as const;
  const counts = new Float64Array(methods.length * results.length);
  const reported = new Float64Array(counts.length);
  const methodIndex: Record<string, number> = Object.fromEntries(methods.map((m, i) => [m, i * results.length]));
  const resultIndex: Record<string, number> = Object.fromEntries(results.map((r, i) => [r, i]));
  new Counter({
    name: 'certscrape_target_auth_decisions_total',
    help: 'Request decisions by authentication method and result.',
    labelNames: ['method', 'result'],
    registers,
    collect() {
      for (let m = 0; m < methods.length; m++) {
        for (let r = 0; r < results.length; r++) {
          const i = m * results.length + r;
          const delta = (counts[i] as number) - (reported[i] as number);
          // inc(labels, 0) still creates the series, so every combination is exported from the start.
          this.inc({ method: methods[m] as string, result: results[r] as string }, delta);
          reported[i] = counts[i] as number;
        }
      }
    },
  });
  const caReloads = new Counter({ name: 'certscrape_target_auth_ca_bundle_reloads_total', help: 'Client CA bundle (re)loads by result.', labelNames: ['result'], registers });
  const caCerts = new Gauge({ name: 'certscrape_target_auth_ca_bundle_certificates', help: 'Certificates in the current client CA bundle.', registers });
  const caLast = new Gauge({ name: 'certscrape_target_auth_ca_bundle_last_success_timestamp_seconds', help: 'When the current client CA bundle was loaded.', registers });
  const servingReloads = new Counter({ name: 'certscrape_target_auth_serving_cert_reloads_total', help: 'Serving certificate (re)loads by result.', labelNames: ['result'], registers });
  const delegated = new Counter({ name: 'certscrape_target_auth_delegated_requests_total', help: 'TokenReview/SubjectAccessReview requests sent to kube-apiserver.', labelNames: ['api', 'result'], registers });
  const cache = new Counter({ name: 'certscrape_target_auth_delegated_cache_lookups_total', help: 'Delegated authn/authz cache lookups.', labelNames: ['api', 'result'], registers });
  const disagreements = new Counter({ name: 'certscrape_target_auth_chain_verdict_disagreements_total', help: 'Full TLS handshakes where OpenSSL and pkcs judged the client chain differently (refused either way).', labelNames: ['accepted_by'], registers });
  for (const by of ['openssl', 'pkcs']) disagreements.labels(by).inc(0); // exported from the start, for alerting

  return {
    registry,
    decision(method, result) {
      const i = (methodIndex[method] as number) + (resultIndex[result] as number);
      counts[i] = (counts[i] as number) + 1;
    },
    caBundleReload(result, certificates, at) {
      caReloads.labels(result).inc();
      if (result === 'success') {
        if (certificates !== undefined) caCerts.set(certificates);
        if (at !== undefined) caLast.set(at.getTime() / 1000);
      }
    },
    servingCertReload(result) {
      servingReloads.labels(result).inc();
    },
    delegatedCall(api, result) {
      delegated.labels(api, result).inc();
    },
    delegatedCache(api, result) {
      cache.labels(api, result).inc();
    },
    verdictDisagreement(acceptedBy) {
      disagreements.labels(acceptedBy).inc();
    },
  };
}
