import { describe, expect, it } from 'vitest';
import { isTargetAuthError, type TargetAuthErrorCode } from '../errors.js';
import { parseKubeRbacProxyConfig } from './kube-rbac-proxy-config.js';

function codeOf(text: string): TargetAuthErrorCode | undefined {
  try {
    parseKubeRbacProxyConfig(text);
  } catch (e) {
    if (isTargetAuthError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('parseKubeRbacProxyConfig', () => {
  it('reads a kube-rbac-proxy static config, including user.groups', () => {
    const text = `
authorization:
  static:
    - user:
        name: system:serviceaccount:monitoring:prometheus-k8s
      verb: get
      path: /metrics
      resourceRequest: false
    - user:
        groups: ["system:monitoring"]
      verb: get
      path: /federate/*
`;
    expect(parseKubeRbacProxyConfig(text).staticRules).toEqual([
      { user: { name: 'system:serviceaccount:monitoring:prometheus-k8s' }, verb: 'get', path: '/metrics' },
      { user: { groups: ['system:monitoring'] }, verb: 'get', path: '/federate/*' },
    ]);
  });

  it('reads YAML 1.1 as kube-rbac-proxy (yaml.v2) does: yes/no/on/off are booleans', () => {
    expect(parseKubeRbacProxyConfig('authorization:\n  static:\n    - path: /metrics\n      resourceRequest: no\n').staticRules).toEqual([{ path: '/metrics' }]);
    expect(parseKubeRbacProxyConfig('authorization:\n  static:\n    - path: /metrics\n      resourceRequest: off\n').staticRules).toEqual([{ path: '/metrics' }]);
    // `yes` is true in YAML 1.1: a resource rule, refused like `true` (in YAML 1.2 it would be a string).
    expect(codeOf('authorization:\n  static:\n    - path: /metrics\n      resourceRequest: yes\n')).toBe('TARGET_AUTH_ERR_CONFIG_UNSUPPORTED');
  });

  it('reads YAML 1.1 octal and sexagesimal numbers as numbers, so they are not strings', () => {
    // A user name of 0755 is the number 493 to yaml.v2, and not a string: refused with its path.
    expect(() => parseKubeRbacProxyConfig('authorization:\n  static:\n    - path: /metrics\n      user: {name: 0755}\n', 'cfg')).toThrow('cfg: authorization.static[0].user.name: must be a string');
    expect(() => parseKubeRbacProxyConfig('authorization:\n  static:\n    - path: /metrics\n      verb: 1:30\n', 'cfg')).toThrow('cfg: authorization.static[0].verb: must be a string');
  });

  it('refuses duplicate keys, as yaml.v2 does', () => {
    expect(codeOf('authorization:\n  static: []\nauthorization:\n  static: []\n')).toBe('TARGET_AUTH_ERR_CONFIG_INVALID');
  });

  it('names the path of an unknown key', () => {
    expect(() => parseKubeRbacProxyConfig('authorization:\n  static:\n    - path: /metrics\n      user: {name: a, group: [b]}\n', 'cfg')).toThrow('cfg: authorization.static[0].user.group: unknown key');
  });

  it('reads JSON too', () => {
    expect(parseKubeRbacProxyConfig('{"authorization":{"static":[{"path":"/metrics"}]}}').staticRules).toEqual([{ path: '/metrics' }]);
  });

  it.each([
    ['an empty file', ''],
    ['no authorization', 'authorization: {}'],
    ['an empty static list', 'authorization:\n  static: []'],
  ])('has no rules for %s', (_n, text) => {
    expect(parseKubeRbacProxyConfig(text).staticRules).toEqual([]);
  });

  it.each<[string, string, TargetAuthErrorCode]>([
    ['invalid YAML', 'authorization: [', 'TARGET_AUTH_ERR_CONFIG_INVALID'],
    ['an unknown top-level key', 'authentication: {}', 'TARGET_AUTH_ERR_CONFIG_INVALID'],
    ['static that is not a list', 'authorization:\n  static: {}', 'TARGET_AUTH_ERR_CONFIG_INVALID'],
    ['a rule without a path', 'authorization:\n  static:\n    - verb: get', 'TARGET_AUTH_ERR_CONFIG_INVALID'],
    ['a relative path', 'authorization:\n  static:\n    - path: metrics', 'TARGET_AUTH_ERR_CONFIG_INVALID'],
    ['a non-canonical path (it could never match)', 'authorization:\n  static:\n    - path: /a/../metrics', 'TARGET_AUTH_ERR_CONFIG_INVALID'],
    ['a * in the middle of a path', 'authorization:\n  static:\n    - path: /a/*/b', 'TARGET_AUTH_ERR_CONFIG_INVALID'],
    ['an unknown rule key', 'authorization:\n  static:\n    - path: /metrics\n      usr: {}', 'TARGET_AUTH_ERR_CONFIG_INVALID'],
    ['groups that are not strings', 'authorization:\n  static:\n    - path: /metrics\n      user: {groups: [1]}', 'TARGET_AUTH_ERR_CONFIG_INVALID'],
    ['a resource rule', 'authorization:\n  static:\n    - resourceRequest: true\n      resource: services', 'TARGET_AUTH_ERR_CONFIG_UNSUPPORTED'],
    ['resourceAttributes', 'authorization:\n  resourceAttributes:\n    namespace: default', 'TARGET_AUTH_ERR_CONFIG_UNSUPPORTED'],
    ['rewrites', 'authorization:\n  rewrites:\n    byQueryParameter: {name: ns}', 'TARGET_AUTH_ERR_CONFIG_UNSUPPORTED'],
  ])('refuses %s', (_n, text, code) => {
    expect(codeOf(text)).toBe(code);
  });
});
