import { describe, expect, it } from 'vitest';
import { createCsrPolicy } from './csr-policy.js';
import { DEFAULT_SCRAPER_USERNAME, KUBE_APISERVER_CLIENT_SIGNER } from './defaults.js';
import type { IdentityErrorCode } from './errors.js';

function codeOf(fn: () => unknown): IdentityErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: IdentityErrorCode }).code;
  }
  return undefined;
}

describe('createCsrPolicy', () => {
  it('defaults to design.md: scraper identity, operator SA, signer, 30 days', () => {
    const p = createCsrPolicy();
    expect(p.signerName).toBe(KUBE_APISERVER_CLIENT_SIGNER);
    expect(p.identity).toEqual({ username: DEFAULT_SCRAPER_USERNAME, groups: [] });
    expect(p.requester.username).toBe('system:serviceaccount:monitoring:monitoring-operator');
    expect(p.requester.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:monitoring', 'system:authenticated']);
    expect(p.expirationSeconds).toEqual({ min: 600, max: 2592000 });
    expect(p.allowedUsages).toEqual(['digital signature', 'key encipherment', 'client auth']);
    expect(p.requiredUsages).toEqual(['client auth']);
  });

  it('is frozen, so no caller can loosen it at run time', () => {
    const p = createCsrPolicy();
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.allowedUsages)).toBe(true);
    expect(Object.isFrozen(p.requester.groups)).toBe(true);
  });

  it('defaults to a set of exactly the one identity, so a single-identity install checks what it checked before', () => {
    expect(createCsrPolicy().identities).toEqual([{ username: DEFAULT_SCRAPER_USERNAME, groups: [] }]);
    expect(createCsrPolicy({ scraperIdentity: 'prom' }).identities).toEqual([{ username: 'prom', groups: [] }]);
  });

  it('takes a set of identities: the first is the one the operator builds for, all are frozen', () => {
    const p = createCsrPolicy({ scraperIdentities: ['a', { username: 'b', groups: ['g'] }] });
    expect(p.identities).toEqual([{ username: 'a', groups: [] }, { username: 'b', groups: ['g'] }]);
    expect(p.identity).toEqual({ username: 'a', groups: [] });
    expect(Object.isFrozen(p.identities)).toBe(true);
    expect(Object.isFrozen(p.identities[1]!.groups)).toBe(true);
  });

  it.each<[string, Parameters<typeof createCsrPolicy>[0], IdentityErrorCode]>([
    ['if both one identity and a set are given, refuse', { scraperIdentity: 'a', scraperIdentities: ['b'] }, 'IDENTITY_ERR_INVALID_POLICY'],
    ['if the set is empty, refuse', { scraperIdentities: [] }, 'IDENTITY_ERR_INVALID_POLICY'],
    ['if the set lists a username twice (even with other groups), refuse', { scraperIdentities: ['a', { username: 'a', groups: ['g'] }] }, 'IDENTITY_ERR_INVALID_POLICY'],
    ['if any identity of the set is the requester itself, refuse', { scraperIdentities: ['a', 'system:serviceaccount:monitoring:monitoring-operator'] }, 'IDENTITY_ERR_INVALID_POLICY'],
    ['if any identity of the set grants system:masters, refuse', { scraperIdentities: ['a', { username: 'b', groups: ['system:masters'] }] }, 'IDENTITY_ERR_INVALID_IDENTITY'],

    ['if the identity grants system:masters, refuse', { scraperIdentity: { username: 'x', groups: ['system:masters'] } }, 'IDENTITY_ERR_INVALID_IDENTITY'],
    ['if the identity is empty, refuse', { scraperIdentity: '' }, 'IDENTITY_ERR_INVALID_IDENTITY'],
    ['if the identity has surrounding whitespace, refuse', { scraperIdentity: ' prometheus' }, 'IDENTITY_ERR_INVALID_IDENTITY'],
    ['if the identity has a control character, refuse', { scraperIdentity: 'prom\nx' }, 'IDENTITY_ERR_INVALID_IDENTITY'],
    ['if the identity repeats a group, refuse', { scraperIdentity: { username: 'x', groups: ['a', 'a'] } }, 'IDENTITY_ERR_INVALID_IDENTITY'],
    ['if the identity is the requester itself, refuse', { scraperIdentity: 'system:serviceaccount:monitoring:monitoring-operator' }, 'IDENTITY_ERR_INVALID_POLICY'],
    ['if the maximum lifetime is under 600 s, refuse', { maxExpirationSeconds: 599 }, 'IDENTITY_ERR_INVALID_POLICY'],
    ['if the maximum lifetime is not an integer, refuse', { maxExpirationSeconds: 1000.5 }, 'IDENTITY_ERR_INVALID_POLICY'],
    ['if the signer name is malformed, refuse', { signerName: 'no-slash' }, 'IDENTITY_ERR_INVALID_POLICY'],
  ])('%s', (_sentence, options, code) => {
    expect(codeOf(() => createCsrPolicy(options))).toBe(code);
  });
});
