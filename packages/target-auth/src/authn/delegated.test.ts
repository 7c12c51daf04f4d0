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
    const { client, calls } = tokenClient(() => ({ authenticated: true, user: { username: 'system:serviceaccount:monitoring:prometheus-k8s', groups: ['system:serviceaccounts'] }, audiences: [] }));
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
    const { client, calls } = tokenClient((t) => ({ authenticated: true, user: { username: t, groups: [] }, audiences: [] }));
    const a = new TokenAuthenticator(client);
    expect(await a.authenticate('alice-token')).toMatchObject({ ok: true, user: { name: 'alice-token' } });
    expect(await a.authenticate('bob-token')).toMatchObject({ ok: true, user: { name: 'bob-token' } });
    expect(calls).toEqual(['alice-token', 'bob-token']);
  });
});

describe('TokenAuthenticator: the identity and audiences TokenReview reports', () => {
  const SA = 'system:serviceaccount:monitoring:prometheus-k8s';
  const extra = { 'authentication.kubernetes.io/pod-name': ['prometheus-0'], 'scopes.authorization.openshift.io': ['user:info'] };

  it('carries TokenReview uid and extra into the user', async () => {
    const { client } = tokenClient(() => ({ authenticated: true, user: { username: SA, groups: ['g'], uid: 'uid-1', extra }, audiences: [] }));
    expect(await new TokenAuthenticator(client).authenticate('t')).toEqual({ ok: true, user: { name: SA, groups: ['g'], uid: 'uid-1', extra, authenticatedBy: 'token' } });
  });

  it.each<[string, readonly string[], readonly string[], boolean]>([
    ['a token valid for a configured audience is accepted', ['https://target.example'], ['https://target.example'], true],
    ['one common audience among several is enough', ['a', 'b'], ['c', 'b'], true],
    ['a token whose status.audiences names none of the configured ones is rejected', ['https://target.example'], ['https://kubernetes.default.svc'], false],
    ['a TokenReview that reports no audiences is rejected when audiences are configured', ['https://target.example'], [], false],
    ['without configured audiences, status.audiences is not checked', [], ['https://kubernetes.default.svc'], true],
  ])('%s', async (_name, configured, reported, ok) => {
    const { client, calls } = tokenClient(() => ({ authenticated: true, user: { username: SA, groups: [] }, audiences: reported }));
    const a = new TokenAuthenticator(client, { audiences: configured });
    expect(await a.authenticate('t')).toMatchObject(ok ? { ok: true } : { ok: false, reason: 'token-invalid' });
    expect(await a.authenticate('t')).toMatchObject({ ok }); // cached with the same verdict
    expect(calls).toHaveLength(1);
  });
});

describe('delegated caches: LRU with TTL, rejected entries apart', () => {
  it('a flood of bad tokens does not evict a good token', async () => {
    const { client, calls } = tokenClient((t) => (t === 'good' ? { authenticated: true, user: { username: 'u', groups: [] }, audiences: [] } : { authenticated: false, error: 'invalid' }));
    const a = new TokenAuthenticator(client, { maxEntries: 8, maxRejectedEntries: 8 });
    await a.authenticate('good');
    for (let i = 0; i < 1000; i++) await a.authenticate(`bad-${i}`);
    expect(await a.authenticate('good')).toMatchObject({ ok: true });
    expect(calls.filter((t) => t === 'good')).toHaveLength(1); // still cached
  });

  it('evicts the least recently used token, not the oldest inserted', async () => {
    const { client, calls } = tokenClient((t) => ({ authenticated: true, user: { username: t, groups: [] }, audiences: [] }));
    const a = new TokenAuthenticator(client, { maxEntries: 2 });
    await a.authenticate('a');
    await a.authenticate('b');
    await a.authenticate('a'); // a is now the most recently used
    await a.authenticate('c'); // evicts b
    calls.length = 0;
    await a.authenticate('a');
    expect(calls).toEqual([]);
    await a.authenticate('b');
    expect(calls).toEqual(['b']);
  });

  it('a hit does not extend the TTL (a revoked token stops working on time)', async () => {
    let now = 0;
    const { client, calls } = tokenClient(() => ({ authenticated: true, user: { username: 'u', groups: [] }, audiences: [] }));
    const a = new TokenAuthenticator(client, { successTtlMs: 100, now: () => now });
    await a.authenticate('t');
    now = 90;
    await a.authenticate('t');
    now = 100;
    await a.authenticate('t');
    expect(calls).toHaveLength(2);
  });

  it('with TTL 0 nothing is cached', async () => {
    const { client, calls } = tokenClient(() => ({ authenticated: true, user: { username: 'u', groups: [] }, audiences: [] }));
    const a = new TokenAuthenticator(client, { successTtlMs: 0, failureTtlMs: 0 });
    await a.authenticate('t');
    await a.authenticate('t');
    expect(calls).toHaveLength(2);
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

  it('asks with the uid and extra TokenReview reported, and keys the cache by them', async () => {
    const { client, calls } = sarClient(() => true);
    const z = new SubjectAccessReviewAuthorizer(client);
    const scoped: UserInfo = { name: 'u', groups: ['g'], uid: 'uid-1', extra: { 'scopes.authorization.openshift.io': ['user:info'] }, authenticatedBy: 'token' };
    await z.authorize({ user: scoped, verb: 'get', path: '/metrics' });
    expect(calls).toEqual([{ user: 'u', groups: ['g'], uid: 'uid-1', extra: { 'scopes.authorization.openshift.io': ['user:info'] }, verb: 'get', path: '/metrics' }]);
    // The same name and groups with other (or no) uid/extra is another identity: not answered from the cache.
    await z.authorize({ user: { ...scoped, extra: { 'scopes.authorization.openshift.io': ['user:full'] } }, verb: 'get', path: '/metrics' });
    await z.authorize({ user: { ...scoped, uid: 'uid-2' }, verb: 'get', path: '/metrics' });
    await z.authorize({ user, verb: 'get', path: '/metrics' });
    expect(calls).toHaveLength(4);
    // Extra keys in another order are the same identity.
    await z.authorize({ user: { ...scoped, extra: { b: ['1'], a: ['2'] } }, verb: 'get', path: '/metrics' });
    await z.authorize({ user: { ...scoped, extra: { a: ['2'], b: ['1'] } }, verb: 'get', path: '/metrics' });
    expect(calls).toHaveLength(5);
  });

  it('a flood of denied questions does not evict a cached allow', async () => {
    const { client, calls } = sarClient((q) => q.path === '/metrics');
    const z = new SubjectAccessReviewAuthorizer(client, { maxEntries: 4, maxDeniedEntries: 4 });
    await z.authorize({ user, verb: 'get', path: '/metrics' });
    for (let i = 0; i < 500; i++) await z.authorize({ user, verb: 'get', path: `/denied/${i}` });
    calls.length = 0;
    expect((await z.authorize({ user, verb: 'get', path: '/metrics' })).allowed).toBe(true);
    expect(calls).toEqual([]);
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
