import { describe, expect, it } from 'vitest';
import type { UserInfo } from '../authn/user-info.js';
import { StaticAuthorizer, type StaticRule } from './static-authorizer.js';

const user = (name: string, groups: string[] = []): UserInfo => ({ name, groups, authenticatedBy: 'client-certificate' });
const SCRAPER = 'system:serviceaccount:monitoring:prometheus-k8s';

describe('StaticAuthorizer', () => {
  const rules: StaticRule[] = [
    { user: { name: SCRAPER }, verb: 'get', path: '/metrics' },
    { user: { groups: ['system:monitoring'] }, verb: 'get', path: '/federate' },
    { user: { name: 'alice', groups: ['team-a'] }, verb: 'get', path: '/debug/*' },
    { user: { name: 'writer' }, verb: 'create', path: '/push' },
  ];
  const authz = new StaticAuthorizer(rules);

  it.each([
    ['the scraper may get /metrics', user(SCRAPER), 'get', '/metrics', true],
    ['another user may not get /metrics', user('intruder'), 'get', '/metrics', false],
    ['the scraper may not create /metrics (verb must match)', user(SCRAPER), 'create', '/metrics', false],
    ['the scraper may not get /admin (default deny)', user(SCRAPER), 'get', '/admin', false],
    ['paths are case-sensitive', user(SCRAPER), 'get', '/METRICS', false],
    ['a trailing slash is a different path', user(SCRAPER), 'get', '/metrics/', false],
    ['a group rule allows a member of the group', user('bob', ['x', 'system:monitoring']), 'get', '/federate', true],
    ['a group rule denies a non-member', user('bob', ['x']), 'get', '/federate', false],
    ['a user named like the group is not a member', user('system:monitoring'), 'get', '/federate', false],
    ['name and groups must both hold (both ok)', user('alice', ['team-a']), 'get', '/debug/pprof', true],
    ['name and groups must both hold (group missing)', user('alice', ['team-b']), 'get', '/debug/pprof', false],
    ['name and groups must both hold (name wrong)', user('mallory', ['team-a']), 'get', '/debug/pprof', false],
    ['a * path is a prefix', user('alice', ['team-a']), 'get', '/debug/', true],
    ['a * path does not match its parent', user('alice', ['team-a']), 'get', '/debug', false],
    ['create is its own verb', user('writer'), 'create', '/push', true],
  ])('%s', (_name, u, verb, path, allowed) => {
    expect(authz.authorize({ user: u, verb, path }).allowed).toBe(allowed);
  });

  it('denies everything without rules', () => {
    expect(new StaticAuthorizer([]).authorize({ user: user(SCRAPER), verb: 'get', path: '/metrics' })).toEqual({ allowed: false, reason: 'no rule allows this request' });
  });

  it('treats a rule without user and verb as any authenticated user, any verb (kube-rbac-proxy semantics)', () => {
    const a = new StaticAuthorizer([{ path: '/healthz' }]);
    expect(a.authorize({ user: user('anyone'), verb: 'delete', path: '/healthz' }).allowed).toBe(true);
    expect(a.authorize({ user: user('anyone'), verb: 'get', path: '/metrics' }).allowed).toBe(false);
  });

  it('says which rule allowed', () => {
    expect(authz.authorize({ user: user('bob', ['system:monitoring']), verb: 'get', path: '/federate' }).reason).toMatch(/#1/);
  });
});
