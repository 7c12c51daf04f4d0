// Caching and composition of the delegated fallback, with counting in-process clients of the
// package's own TokenReviewClient / SubjectAccessReviewClient interfaces (the real kube-apiserver
// path is covered by delegated.int.test.ts against the local control plane).
import { describe, expect, it } from 'vitest';
import { SubjectAccessReviewAuthorizer } from '../authz/subject-access-review-authorizer.js';
import { StaticAuthorizer } from '../authz/static-authorizer.js';
import { UnionAuthorizer } from '../authz/union-authorizer.js';
import type { AccessQuestion, SubjectAccessReviewClient, TokenReviewClient, TokenReviewOutcome } from '../delegated-clients.js';
import { TargetAuthError } from '../errors.js';
import { TokenAuthenticator } from './token-authenticator.js';
import { bearerToken } from './request-authenticator.js';
import type { UserInfo } from './user-info.js';

function tokenClient(answer: (token: string) => TokenReviewOutcome | Error) {
  const calls: string[] = [];
  const client: TokenReviewClient = {
    review: async (token) => {
      calls.push(token);
      const a = answer(token);
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return { client, calls };
}

describe('TokenAuthenticator', () => {
  it('caches an authenticated token for the success TTL, then asks again', async () => {
    let now = 0;
    const { client, calls } = tokenClient(() => ({ authenticated: true, user: { username: 'system:serviceaccount:monitoring:prometheus-k8s', groups: ['system:serviceaccounts'] } }));
    const a = new TokenAuthenticator(client, { successTtlMs: 1000, now: () => now });
    expect(await a.authenticate('t1')).toEqual({ ok: true, user: { name: 'system:serviceaccount:monitoring:prometheus-k8s', groups: ['system:serviceaccounts'], authenticatedBy: 'token' } });
    await a.authenticate('t1');
    expect(calls).toHaveLength(1);
    now = 1000;
    await a.authenticate('t1');
    expect(calls).toHaveLength(2);
  });

  it('caches a rejected token for the (shorter) failure TTL', async () => {
    let now = 0;
    const { client, calls } = tokenClient(() => ({ authenticated: false, error: 'invalid bearer token' }));
    const a = new TokenAuthenticator(client, { failureTtlMs: 100, now: () => now });
    expect(await a.authenticate('bad')).toMatchObject({ ok: false, reason: 'token-invalid' });
    await a.authenticate('bad');
    expect(calls).toHaveLength(1);
    now = 100;
    await a.authenticate('bad');
    expect(calls).toHaveLength(2);
  });

  it('never caches an error (kube-apiserver unreachable) and fails closed', async () => {
    const { client, calls } = tokenClient(() => new TargetAuthError('TARGET_AUTH_ERR_DELEGATED_UNAVAILABLE', 'connect ECONNREFUSED'));
    const a = new TokenAuthenticator(client);
    expect(await a.authenticate('t')).toMatchObject({ ok: false, reason: 'token-error' });
    expect(await a.authenticate('t')).toMatchObject({ ok: false, reason: 'token-error' });
    expect(calls).toHaveLength(2);
  });

  it('keys the cache by token', async () => {
    const { client, calls } = tokenClient((t) => ({ authenticated: true, user: { username: t, groups: [] } }));
    const a = new TokenAuthenticator(client);
    expect(await a.authenticate('alice-token')).toMatchObject({ ok: true, user: { name: 'alice-token' } });
    expect(await a.authenticate('bob-token')).toMatchObject({ ok: true, user: { name: 'bob-token' } });
    expect(calls).toEqual(['alice-token', 'bob-token']);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['  Bearer   abc  ', 'abc'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    [undefined, undefined],
  ])('%s -> %s', (h, t) => {
    expect(bearerToken(h)).toBe(t);
  });
});

describe('SubjectAccessReviewAuthorizer', () => {
  const user: UserInfo = { name: 'u', groups: ['g'], authenticatedBy: 'token' };
  function sarClient(allowed: (q: AccessQuestion) => boolean | Error) {
    const calls: AccessQuestion[] = [];
    const client: SubjectAccessReviewClient = {
      review: async (q) => {
        calls.push(q);
        const a = allowed(q);
        if (a instanceof Error) throw a;
        return { allowed: a, reason: a ? 'RBAC: allowed' : '' };
      },
    };
    return { client, calls };
  }

  it('asks a non-resource question and caches allows and denies with their own TTLs', async () => {
    let now = 0;
    const { client, calls } = sarClient((q) => q.path === '/metrics');
    const z = new SubjectAccessReviewAuthorizer(client, { allowTtlMs: 1000, denyTtlMs: 10, now: () => now });
    expect((await z.authorize({ user, verb: 'get', path: '/metrics' })).allowed).toBe(true);
    expect((await z.authorize({ user, verb: 'get', path: '/admin' })).allowed).toBe(false);
    expect(calls).toEqual([
      { user: 'u', groups: ['g'], verb: 'get', path: '/metrics' },
      { user: 'u', groups: ['g'], verb: 'get', path: '/admin' },
    ]);
    now = 10;
    await z.authorize({ user, verb: 'get', path: '/metrics' });
    await z.authorize({ user, verb: 'get', path: '/admin' });
    expect(calls).toHaveLength(3); // the deny expired, the allow did not
  });

  it('rejects (-> 500) on an error, never allows, never caches', async () => {
    const { client, calls } = sarClient(() => new Error('down'));
    const z = new SubjectAccessReviewAuthorizer(client);
    await expect(z.authorize({ user, verb: 'get', path: '/metrics' })).rejects.toThrow('down');
    await expect(z.authorize({ user, verb: 'get', path: '/metrics' })).rejects.toThrow('down');
    expect(calls).toHaveLength(2);
  });

  it('inside a UnionAuthorizer, is only consulted for token users, after the static rules', async () => {
    const { client, calls } = sarClient(() => true);
    const union = new UnionAuthorizer([
      { authorizer: new StaticAuthorizer([{ user: { name: 'static-user' }, verb: 'get', path: '/metrics' }]) },
      { authorizer: new SubjectAccessReviewAuthorizer(client), onlyFor: ['token'] },
    ]);
    const certUser: UserInfo = { name: 'cert-user', groups: [], authenticatedBy: 'client-certificate' };
    expect(await union.authorize({ user: certUser, verb: 'get', path: '/metrics' })).toMatchObject({ allowed: false });
    expect(await union.authorize({ user: { ...certUser, name: 'static-user' }, verb: 'get', path: '/metrics' })).toMatchObject({ allowed: true });
    expect(await union.authorize({ user: { name: 'static-user', groups: [], authenticatedBy: 'token' }, verb: 'get', path: '/metrics' })).toMatchObject({ allowed: true });
    expect(calls).toHaveLength(0); // static rules answered, certificate users never asked
    expect(await union.authorize({ user: { name: 'token-user', groups: [], authenticatedBy: 'token' }, verb: 'get', path: '/metrics' })).toMatchObject({ allowed: true });
    expect(calls).toHaveLength(1);
  });
});
