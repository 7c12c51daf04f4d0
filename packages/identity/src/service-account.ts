import { IdentityError } from './errors.js';

/** A Kubernetes service account, by namespace and name. */
export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

/** The operator's service account by default: `monitoring/monitoring-operator`. */
export const DEFAULT_OPERATOR_SERVICE_ACCOUNT: ServiceAccountRef = Object.freeze({ namespace: 'monitoring', name: 'monitoring-operator' });

// RFC 1123 label (namespace) and subdomain (service account name), as Kubernetes validates them.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Parses `namespace/name`. Throws `IDENTITY_ERR_INVALID_SERVICE_ACCOUNT` on anything else. */
export function parseServiceAccountRef(text: string): ServiceAccountRef {
  const parts = text.split('/');
  const [namespace, name] = parts;
  if (parts.length !== 2 || namespace === undefined || name === undefined || !DNS_LABEL.test(namespace) || !DNS_SUBDOMAIN.test(name)) {
    throw new IdentityError('IDENTITY_ERR_INVALID_SERVICE_ACCOUNT', `expected a service account as "namespace/name", got ${JSON.stringify(text)}`);
  }
  return { namespace, name };
}

/**
 * The user kube-apiserver sees for a service-account token: username
 * `system:serviceaccount:<ns>:<name>` and exactly the groups
 * `system:serviceaccounts`, `system:serviceaccounts:<ns>`, `system:authenticated`.
 */
export function serviceAccountUser(sa: ServiceAccountRef): { username: string; groups: string[] } {
  return {
    username: `system:serviceaccount:${sa.namespace}:${sa.name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'],
  };
}
