import { describe, expect, it } from 'vitest';
import { parseIdentitySet, singleIdentitySet } from '@certscrape/identity';
import { decodeIdentityRecord, identityRecordConfigMap, identityRemovedMessage, MANAGED_IDENTITIES_KEY, planIdentityRecord } from './managed-identities.js';

const two = parseIdentitySet({
  apiVersion: 'certscrape.io/v1alpha1',
  kind: 'ScraperIdentities',
  identities: [
    { username: 'system:serviceaccount:monitoring:prometheus-k8s', secret: { namespace: 'monitoring', name: 'metrics-client-certs' } },
    { username: 'system:serviceaccount:uw:prometheus-user-workload', secret: { namespace: 'uw', name: 'metrics-client-certs' } },
  ],
}).identities;
const [platform, userWorkload] = two;
const recordOf = (ids: typeof two, rv = '7') => ({ ...identityRecordConfigMap(undefined, 'monitoring', ids), metadata: { ...identityRecordConfigMap(undefined, 'monitoring', ids).metadata, resourceVersion: rv } });

describe('planIdentityRecord', () => {
  it('with no record yet, nothing is removed and the record is created', () => {
    const plan = planIdentityRecord(undefined, 'monitoring', two);
    expect(plan.removed).toEqual([]);
    expect(plan.write?.verb).toBe('create');
    expect(decodeIdentityRecord(plan.write!.body).identities.map((i) => i.username)).toEqual(two.map((i) => i.username));
  });
  it('if the record names exactly the configured identities, nothing is written', () => {
    expect(planIdentityRecord(recordOf(two), 'monitoring', two)).toEqual({ removed: [], write: undefined, problem: undefined });
  });
  it('if an identity is no longer configured, it is reported removed and the record is replaced with the configured set', () => {
    const plan = planIdentityRecord(recordOf(two), 'monitoring', [platform!]);
    expect(plan.removed).toEqual([{ username: userWorkload!.username, secret: userWorkload!.secret, pendingSecret: userWorkload!.pendingSecret }]);
    expect(plan.write?.verb).toBe('replace');
    expect(plan.write?.body.metadata?.resourceVersion).toBe('7');
    expect(decodeIdentityRecord(plan.write!.body).identities.map((i) => i.username)).toEqual([platform!.username]);
  });
  it("if an identity's Secret moved, the old Secret is reported as no longer renewed", () => {
    const moved = singleIdentitySet({ secretName: 'other-certs' }).identities;
    const plan = planIdentityRecord(recordOf(singleIdentitySet().identities), 'monitoring', moved);
    expect(plan.removed.map((r) => `${r.secret.namespace}/${r.secret.name}`)).toEqual(['monitoring/metrics-client-certs']);
  });
  it('if the record is unreadable, nothing is reported removed and a new record replaces it', () => {
    const broken = { ...recordOf(two), data: { [MANAGED_IDENTITIES_KEY]: '{not json' } };
    const plan = planIdentityRecord(broken, 'monitoring', two);
    expect(plan.removed).toEqual([]);
    expect(plan.problem).toBeDefined();
    expect(plan.write?.verb).toBe('replace');
  });
  it('the Event message names the identity and both Secrets, and says nothing is deleted', () => {
    const m = identityRemovedMessage({ username: userWorkload!.username, secret: userWorkload!.secret, pendingSecret: userWorkload!.pendingSecret });
    expect(m).toContain(userWorkload!.username);
    expect(m).toContain('uw/metrics-client-certs');
    expect(m).toContain('uw/metrics-client-certs-pending');
    expect(m).toContain('left as it is');
  });
});
