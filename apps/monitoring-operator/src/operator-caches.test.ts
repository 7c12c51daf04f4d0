import { describe, expect, it } from 'vitest';
import { parseIdentitySet } from '@certscrape/identity';
import { caMirrorKey, caMirrorTargets, certificateKey, csrLabelSelector } from './operator-caches.js';

describe('queue keys and scopes', () => {
  it("one identity keeps the single-identity operator's CSR label selector exactly", () => {
    expect(csrLabelSelector(['system:serviceaccount:monitoring:prometheus-k8s'])).toBe('certscrape.io/csr-subject=prometheus-k8s');
  });
  it('several identities select every label value once', () => {
    expect(csrLabelSelector(['system:serviceaccount:monitoring:prometheus-k8s', 'system:serviceaccount:uw:prometheus-user-workload', 'system:serviceaccount:other:prometheus-k8s'])).toBe(
      'certscrape.io/csr-subject in (prometheus-k8s,prometheus-user-workload)',
    );
  });
  it('each identity and each distinct mirror has its own key', () => {
    const set = parseIdentitySet({
      apiVersion: 'certscrape.io/v1alpha1',
      kind: 'ScraperIdentities',
      identities: [
        { username: 'a', secret: { namespace: 'n1', name: 's' }, caConfigMap: { namespace: 'n1', name: 'ca' } },
        { username: 'b', secret: { namespace: 'n2', name: 's' }, caConfigMap: { namespace: 'n1', name: 'ca' } },
        { username: 'c', secret: { namespace: 'n3', name: 's' }, caConfigMap: { namespace: 'n3', name: 'ca' } },
        { username: 'd', secret: { namespace: 'n4', name: 's' } },
      ],
    });
    expect(caMirrorTargets(set.identities)).toEqual([{ namespace: 'n1', name: 'ca' }, { namespace: 'n3', name: 'ca' }]);
    expect(new Set(set.identities.map((i) => certificateKey(i.username))).size).toBe(4);
    expect(caMirrorKey({ namespace: 'n1', name: 'ca' })).toBe('ca-mirror:n1/ca');
  });
});
