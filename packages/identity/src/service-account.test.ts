import { describe, expect, it } from 'vitest';
import { IdentityError } from './errors.js';
import { parseServiceAccountRef, serviceAccountUser } from './service-account.js';

describe('parseServiceAccountRef', () => {
  it('parses namespace/name', () => {
    expect(parseServiceAccountRef('monitoring/monitoring-operator')).toEqual({ namespace: 'monitoring', name: 'monitoring-operator' });
  });
  it.each([
    ['no slash', 'monitoring'],
    ['too many parts', 'a/b/c'],
    ['empty namespace', '/name'],
    ['empty name', 'ns/'],
    ['upper case', 'Monitoring/op'],
    ['a colon smuggled in', 'ns:x/op'],
    ['whitespace', 'ns/op '],
  ])('refuses %s', (_why, text) => {
    expect(() => parseServiceAccountRef(text)).toThrow(IdentityError);
    try {
      parseServiceAccountRef(text);
    } catch (e) {
      expect((e as IdentityError).code).toBe('IDENTITY_ERR_INVALID_SERVICE_ACCOUNT');
    }
  });
});

describe('serviceAccountUser', () => {
  it('gives the username and exactly the three groups kube-apiserver assigns', () => {
    expect(serviceAccountUser({ namespace: 'monitoring', name: 'monitoring-operator' })).toEqual({
      username: 'system:serviceaccount:monitoring:monitoring-operator',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:monitoring', 'system:authenticated'],
    });
  });
});
