import { request } from 'node:https';
import type { KubeconfigCredentials } from './kubeconfig-credentials.js';
import { E2eError } from './errors.js';

/** kube-apiserver's own count of requests that a delegating target causes, per resource. */
export interface DelegationRequestCounts {
  readonly tokenreviews: number;
  readonly subjectaccessreviews: number;
}

const LINE = /^apiserver_request_total\{([^}]*)\}\s+([0-9.eE+-]+)/;

/**
 * Sums `apiserver_request_total` over every label set whose `resource` is tokenreviews or
 * subjectaccessreviews (any verb, code, group, version) in Prometheus text exposition. Pure.
 */
export function delegationRequestCounts(metricsText: string): DelegationRequestCounts {
  const counts = { tokenreviews: 0, subjectaccessreviews: 0 };
  for (const line of metricsText.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const resource = /(?:^|,)resource="([^"]*)"/.exec(m[1] ?? '')?.[1];
    if (resource === 'tokenreviews' || resource === 'subjectaccessreviews') counts[resource] += Number(m[2]);
  }
  return counts;
}

/** GETs kube-apiserver's /metrics with `credentials` (the admin kubeconfig) and counts the delegation requests. */
export async function readDelegationRequestCounts(credentials: KubeconfigCredentials): Promise<DelegationRequestCounts> {
  const url = new URL('/metrics', credentials.server);
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(
      url,
      {
        ca: credentials.caPem,
        cert: credentials.clientCertPem,
        key: credentials.clientKeyPem,
        headers: credentials.token ? { authorization: `Bearer ${credentials.token}` } : {},
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new E2eError('E2E_ERR_KUBE', `GET ${url} -> ${res.statusCode}`))));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (cause) => reject(new E2eError('E2E_ERR_KUBE', `GET ${url} failed: ${cause.message}`, { cause })));
    req.end();
  });
  return delegationRequestCounts(text);
}
