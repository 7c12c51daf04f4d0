// The per-identity sample (deploy/samples/target-auth-rules/per-identity.yaml), loaded as the sidecar's
// --config-file is: the platform identity may GET every path, the user-workload identity only /metrics.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { UserInfo } from '../authn/user-info.js';
import { parseKubeRbacProxyConfig } from './kube-rbac-proxy-config.js';
import { normalizeRequestPath } from './path.js';
import { StaticAuthorizer } from './static-authorizer.js';
import { verbForMethod } from './verb.js';

const SAMPLE = fileURLToPath(new URL('../../../../deploy/samples/target-auth-rules/per-identity.yaml', import.meta.url));
const PLATFORM = 'system:serviceaccount:monitoring:prometheus-k8s';
const USER_WORKLOAD = 'system:serviceaccount:monitoring-user-workload:prometheus-user-workload';

const config = parseKubeRbacProxyConfig(readFileSync(SAMPLE, 'utf8'), SAMPLE);
const authz = new StaticAuthorizer(config.staticRules);
/** A user as the client-certificate authenticator reads it: CN -> name, O -> groups. */
const user = (name: string, groups: string[] = []): UserInfo => ({ name, groups, authenticatedBy: 'client-certificate' });
const allowed = (u: UserInfo, method: string, rawPath: string) => {
  const path = normalizeRequestPath(rawPath);
  if (!path.ok) throw new Error(`bad path ${rawPath}`);
  return authz.authorize({ user: u, verb: verbForMethod(method), path: path.path }).allowed;
};

describe('the per-identity rules sample', () => {
  it('parses as the sidecar reads its --config-file: two rules, one per identity', () => {
    expect(config.staticRules.map((r) => r.user?.name)).toEqual([PLATFORM, USER_WORKLOAD]);
  });

  it.each<[string, UserInfo, string, string, boolean]>([
    ['the platform identity may GET /metrics', user(PLATFORM), 'GET', '/metrics', true],
    ['the platform identity may GET any other path (/debug/pprof/heap)', user(PLATFORM), 'GET', '/debug/pprof/heap', true],
    ['the platform identity may HEAD /federate', user(PLATFORM), 'HEAD', '/federate', true],
    ['the platform identity may not POST (verb get only)', user(PLATFORM), 'POST', '/metrics', false],
    ['the user-workload identity may GET /metrics', user(USER_WORKLOAD), 'GET', '/metrics', true],
    ['the user-workload identity may not GET /debug/pprof/heap', user(USER_WORKLOAD), 'GET', '/debug/pprof/heap', false],
    ['the user-workload identity may not GET /federate', user(USER_WORKLOAD), 'GET', '/federate', false],
    ['the user-workload identity may not reach another path by dot segments (/metrics/../debug)', user(USER_WORKLOAD), 'GET', '/metrics/../debug', false],
    ['the user-workload identity carrying a group is still only allowed /metrics', user(USER_WORKLOAD, ['certscrape:user-workload']), 'GET', '/debug/pprof/heap', false],
    ['a third identity may not GET /metrics (default deny)', user('system:serviceaccount:tenant-b:prometheus'), 'GET', '/metrics', false],
    ["a user named like the platform identity's namespace may not GET anything", user('system:serviceaccount:monitoring'), 'GET', '/metrics', false],
  ])('%s', (_sentence, u, method, path, want) => {
    expect(allowed(u, method, path)).toBe(want);
  });
});
