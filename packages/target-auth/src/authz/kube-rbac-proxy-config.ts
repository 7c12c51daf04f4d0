import { parse as parseYaml } from 'yaml';
import { TargetAuthError } from '../errors.js';
import { normalizeRequestPath } from './path.js';
import type { StaticRule } from './static-authorizer.js';

/** What this package takes from a kube-rbac-proxy `--config-file`. */
export interface KubeRbacProxyConfig {
  /** `authorization.static`, validated; empty when absent (which denies everything). */
  readonly staticRules: readonly StaticRule[];
}

const RULE_KEYS = new Set(['user', 'verb', 'path', 'resourceRequest', 'namespace', 'apiGroup', 'resource', 'subresource', 'name']);
const RESOURCE_KEYS = ['namespace', 'apiGroup', 'resource', 'subresource', 'name'] as const;

/**
 * Parses kube-rbac-proxy's config file format (YAML 1.1 or JSON):
 * ```yaml
 * authorization:
 *   static:
 *     - user: { name: system:serviceaccount:monitoring:prometheus-k8s, groups: [...] }
 *       verb: get
 *       path: /metrics
 *       resourceRequest: false
 * ```
 * Only non-resource static rules are supported; `user.groups` is honoured (any-of).
 * `resourceRequest: true` rules, `authorization.rewrites` and `authorization.resourceAttributes`
 * throw `TARGET_AUTH_ERR_CONFIG_UNSUPPORTED` (fail fast rather than silently authorize differently);
 * unknown keys, wrong types, a missing or non-canonical `path` throw `TARGET_AUTH_ERR_CONFIG_INVALID`.
 * An empty file means no rules.
 */
export function parseKubeRbacProxyConfig(text: string, source = 'config'): KubeRbacProxyConfig {
  let doc: unknown;
  try {
    // YAML 1.1, as kube-rbac-proxy reads it (ghodss/yaml over yaml.v2): `yes`/`no`/`on`/`off` are
    // booleans, `0755` is octal, `<<` merges; duplicate keys are an error.
    doc = parseYaml(text, { version: '1.1', uniqueKeys: true });
  } catch (cause) {
    throw new TargetAuthError('TARGET_AUTH_ERR_CONFIG_INVALID', `${source}: not valid YAML`, { cause });
  }
  if (doc === null || doc === undefined) return { staticRules: [] };
  const top = asObject(doc, source, '');
  for (const key of Object.keys(top)) {
    if (key !== 'authorization') invalid(source, key, 'unknown key');
  }
  if (top.authorization === undefined || top.authorization === null) return { staticRules: [] };
  const authz = asObject(top.authorization, source, 'authorization');
  for (const key of Object.keys(authz)) {
    if (key === 'rewrites' || key === 'resourceAttributes') {
      throw new TargetAuthError('TARGET_AUTH_ERR_CONFIG_UNSUPPORTED', `${source}: authorization.${key} is not supported (only static non-resource rules are)`);
    }
    if (key !== 'static') invalid(source, `authorization.${key}`, 'unknown key');
  }
  if (authz.static === undefined || authz.static === null) return { staticRules: [] };
  if (!Array.isArray(authz.static)) invalid(source, 'authorization.static', 'must be a list');
  return { staticRules: (authz.static as unknown[]).map((r, i) => parseRule(r, source, `authorization.static[${i}]`)) };
}

function parseRule(value: unknown, source: string, at: string): StaticRule {
  const r = asObject(value, source, at);
  for (const key of Object.keys(r)) if (!RULE_KEYS.has(key)) invalid(source, `${at}.${key}`, 'unknown key');
  if (r.resourceRequest !== undefined && typeof r.resourceRequest !== 'boolean') invalid(source, `${at}.resourceRequest`, 'must be a boolean');
  if (r.resourceRequest === true || RESOURCE_KEYS.some((k) => r[k] !== undefined && r[k] !== '')) {
    throw new TargetAuthError('TARGET_AUTH_ERR_CONFIG_UNSUPPORTED', `${source}: ${at}: resource rules are not supported (only resourceRequest: false with a path)`);
  }
  const path = optionalString(r.path, source, `${at}.path`);
  if (path === undefined || path === '') invalid(source, `${at}.path`, 'a non-resource rule needs a path');
  const stars = path.split('*').length - 1;
  const bare = stars === 1 && path.endsWith('*') ? path.slice(0, -1) : path;
  const n = normalizeRequestPath(bare);
  if (!path.startsWith('/') || stars > 1 || (stars === 1 && !path.endsWith('*')) || !n.ok || n.path !== bare) {
    invalid(source, `${at}.path`, `must be a canonical absolute path, optionally ending in *: ${JSON.stringify(path)}`);
  }
  const verb = optionalString(r.verb, source, `${at}.verb`);
  let user: StaticRule['user'];
  if (r.user !== undefined && r.user !== null) {
    const u = asObject(r.user, source, `${at}.user`);
    for (const key of Object.keys(u)) if (key !== 'name' && key !== 'groups') invalid(source, `${at}.user.${key}`, 'unknown key');
    const name = optionalString(u.name, source, `${at}.user.name`);
    let groups: string[] | undefined;
    if (u.groups !== undefined && u.groups !== null) {
      if (!Array.isArray(u.groups) || !u.groups.every((g) => typeof g === 'string' && g !== '')) {
        invalid(source, `${at}.user.groups`, 'must be a list of non-empty strings');
      }
      groups = u.groups as string[];
    }
    user = { ...(name ? { name } : {}), ...(groups ? { groups } : {}) };
  }
  return { ...(user ? { user } : {}), ...(verb ? { verb } : {}), path };
}

function asObject(value: unknown, source: string, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(source, at || '(top level)', 'must be a mapping');
  return value as Record<string, unknown>;
}

function optionalString(value: unknown, source: string, at: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') invalid(source, at, 'must be a string');
  return value;
}

function invalid(source: string, at: string, what: string): never {
  throw new TargetAuthError('TARGET_AUTH_ERR_CONFIG_INVALID', `${source}: ${at}: ${what}`);
}
