import { identityValueProblem } from '@certscrape/pkcs';
import {
  DEFAULT_CLIENT_CA_CONFIGMAP,
  DEFAULT_CLIENT_CERT_SECRET,
  DEFAULT_EXPIRATION_SECONDS,
  DEFAULT_NAMESPACE,
  DEFAULT_SCRAPER_USERNAME,
  MIN_EXPIRATION_SECONDS,
  SYSTEM_MASTERS,
} from './defaults.js';
import { IdentityError } from './errors.js';
import { scraperIdentity, type ScraperIdentity } from './scraper-identity.js';

/**
 * The set of scraper identities one installation manages, shared by the monitoring operator
 * (which keeps each identity's Secret valid) and the csr-approver (which approves a CSR only
 * when its subject is exactly one of them). Pure: the apps read the file and decode its YAML;
 * this module validates the decoded document. See docs/identities.md.
 *
 * ```yaml
 * apiVersion: certscrape.io/v1alpha1
 * kind: ScraperIdentities
 * identities:
 *   - username: system:serviceaccount:monitoring:prometheus-k8s
 *     secret: { namespace: monitoring, name: metrics-client-certs }
 *     caConfigMap: { namespace: monitoring, name: metrics-client-ca }
 *   - username: system:serviceaccount:monitoring-user-workload:prometheus-user-workload
 *     groups: [certscrape:user-workload]
 *     secret: { namespace: monitoring-user-workload, name: metrics-client-certs }
 *     expirationSeconds: 86400
 * ```
 */

/** `apiVersion` of the identities file. */
export const IDENTITY_SET_API_VERSION = 'certscrape.io/v1alpha1';
/** `kind` of the identities file. */
export const IDENTITY_SET_KIND = 'ScraperIdentities';
/** The pending-state Secret's default name: `<secret.name>` + this suffix, in the Secret's namespace. */
export const PENDING_SECRET_SUFFIX = '-pending';

/** A namespaced object by namespace and name. */
export interface NamespacedName {
  readonly namespace: string;
  readonly name: string;
}

/**
 * One configured identity, every default applied. It is a {@link ScraperIdentity} (username and
 * groups), so it can be handed to `createCsrPolicy` as it is.
 */
export interface ConfiguredIdentity extends ScraperIdentity {
  /** The certificate's CN (and the user a target sees). Unique in the set. */
  readonly username: string;
  /** The certificate's O values, in order: no duplicates, never `system:masters`. Default none. */
  readonly groups: readonly string[];
  /** The `kubernetes.io/tls` Secret the pair is kept in. The operator writes no other Secret for this identity. */
  readonly secret: NamespacedName;
  /** The operator-only Secret holding the pending key and CSR name. Default `<secret.name>-pending`, same namespace. */
  readonly pendingSecret: NamespacedName;
  /** Requested certificate lifetime (>= 600). Default 2592000 (30 days); signers may issue less. */
  readonly expirationSeconds: number;
  /** Where the cluster client CA bundle is mirrored for this identity's scraper; undefined = not mirrored. */
  readonly caConfigMap: NamespacedName | undefined;
}

/** A validated, frozen set of identities: at least one, in file order. */
export interface IdentitySet {
  readonly identities: readonly ConfiguredIdentity[];
}

/** One reason the document is not a valid identity set, with the path of the offending field. */
export interface IdentitySetProblem {
  /** Path in the document, e.g. `identities[1].secret.name`; `` for the document itself. */
  readonly field: string;
  readonly message: string;
}

/** Today's single-identity settings (the operator's flags), from which {@link singleIdentitySet} builds the set. */
export interface SingleIdentitySettings {
  /** Default `monitoring`. */
  readonly namespace?: string;
  /** Default `metrics-client-certs`. */
  readonly secretName?: string;
  /** Default `metrics-client-certs-pending` (= `<secretName>-pending`). */
  readonly pendingSecretName?: string;
  /** Default `metrics-client-ca`, in `namespace`. */
  readonly caConfigMapName?: string;
  /** Default `system:serviceaccount:monitoring:prometheus-k8s`. */
  readonly username?: string;
  /** Default none. */
  readonly groups?: readonly string[];
  /** Default 2592000. */
  readonly expirationSeconds?: number;
}

// RFC 1123 label (namespace) and subdomain (Secret/ConfigMap name), as Kubernetes validates them.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const TOP_KEYS = ['apiVersion', 'kind', 'identities'];
const IDENTITY_KEYS = ['username', 'groups', 'secret', 'pendingSecretName', 'expirationSeconds', 'caConfigMap'];
const REF_KEYS = ['namespace', 'name'];

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every problem of a decoded identities document (empty = valid): the `apiVersion`/`kind`,
 * unknown keys at any level, types, DNS-1123 names, usernames and groups the CSR policy accepts
 * (clean, no Unicode control/format characters, no duplicate group, never `system:masters`),
 * `expirationSeconds` >= 600, unique usernames, and no Secret used twice: two identities never
 * share a Secret or a pending Secret, and a pending Secret is never any identity's Secret.
 * Pure and total: never throws.
 */
export function identitySetProblems(document: unknown): IdentitySetProblem[] {
  return decode(document).problems;
}

/**
 * Validates a decoded identities document (what a YAML or JSON parser returned) and returns the
 * frozen set with every default applied. Throws `IDENTITY_ERR_INVALID_IDENTITY_SET` listing every
 * problem with its field path; `source` (e.g. the file name) prefixes the message.
 */
export function parseIdentitySet(document: unknown, source = 'identities'): IdentitySet {
  const { set, problems } = decode(document);
  if (problems.length > 0 || !set) throw invalidSet(source, problems);
  return set;
}

/**
 * The set equivalent to today's single-identity settings: the operator's flags without
 * `--identities-file`. With no settings it is the design.md default — identity
 * `system:serviceaccount:monitoring:prometheus-k8s` (no groups) in
 * `monitoring/metrics-client-certs`, pending state `monitoring/metrics-client-certs-pending`,
 * CA mirror `monitoring/metrics-client-ca`, 30 days — so existing installs change nothing.
 * Validated like a file; throws `IDENTITY_ERR_INVALID_IDENTITY_SET`.
 */
export function singleIdentitySet(settings: SingleIdentitySettings = {}): IdentitySet {
  const namespace = settings.namespace ?? DEFAULT_NAMESPACE;
  const secretName = settings.secretName ?? DEFAULT_CLIENT_CERT_SECRET;
  return parseIdentitySet(
    {
      apiVersion: IDENTITY_SET_API_VERSION,
      kind: IDENTITY_SET_KIND,
      identities: [
        {
          username: settings.username ?? DEFAULT_SCRAPER_USERNAME,
          groups: [...(settings.groups ?? [])],
          secret: { namespace, name: secretName },
          pendingSecretName: settings.pendingSecretName ?? secretName + PENDING_SECRET_SUFFIX,
          expirationSeconds: settings.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS,
          caConfigMap: { namespace, name: settings.caConfigMapName ?? DEFAULT_CLIENT_CA_CONFIGMAP },
        },
      ],
    },
    'single-identity settings',
  );
}

/** The configured identity with this exact username, or undefined. */
export function identityByUsername(set: IdentitySet, username: string): ConfiguredIdentity | undefined {
  return set.identities.find((i) => i.username === username);
}

/** `namespace/name`, the form used in messages and as a map key. */
export function formatNamespacedName(ref: NamespacedName): string {
  return `${ref.namespace}/${ref.name}`;
}

function invalidSet(source: string, problems: readonly IdentitySetProblem[]): IdentityError {
  const list = problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ');
  return new IdentityError('IDENTITY_ERR_INVALID_IDENTITY_SET', `${source}: invalid identity set: ${list}`);
}

function decode(document: unknown): { set: IdentitySet | undefined; problems: IdentitySetProblem[] } {
  const problems: IdentitySetProblem[] = [];
  const problem = (field: string, message: string) => void problems.push({ field, message });
  if (!isObject(document)) {
    problem('', `expected a ${IDENTITY_SET_KIND} object, got ${describe(document)}`);
    return { set: undefined, problems };
  }
  unknownKeys(document, TOP_KEYS, '', problem);
  if (document.apiVersion !== IDENTITY_SET_API_VERSION) problem('apiVersion', `must be ${IDENTITY_SET_API_VERSION}, got ${describe(document.apiVersion)}`);
  if (document.kind !== IDENTITY_SET_KIND) problem('kind', `must be ${IDENTITY_SET_KIND}, got ${describe(document.kind)}`);
  const list = document.identities;
  if (!Array.isArray(list)) {
    problem('identities', `must be a list, got ${describe(list)}`);
    return { set: undefined, problems };
  }
  if (list.length === 0) problem('identities', 'must list at least one identity');
  const decoded = list.map((item: unknown, i) => decodeIdentity(item, `identities[${i}]`, problem));
  // Uniqueness is checked among the identities that decoded, so one bad entry does not hide a clash.
  crossChecks(decoded, problem);
  const identities = decoded.filter((id): id is ConfiguredIdentity => id !== undefined);
  if (problems.length > 0) return { set: undefined, problems };
  return { set: Object.freeze({ identities: Object.freeze(identities) }), problems };
}

type Report = (field: string, message: string) => void;

function decodeIdentity(item: unknown, at: string, problem: Report): ConfiguredIdentity | undefined {
  if (!isObject(item)) {
    problem(at, `must be an object, got ${describe(item)}`);
    return undefined;
  }
  const before = { count: 0 };
  const report: Report = (field, message) => {
    before.count++;
    problem(field, message);
  };
  unknownKeys(item, IDENTITY_KEYS, at, report);
  const username = identityName(item.username, `${at}.username`, report);
  let groups: string[] = [];
  if (item.groups !== undefined && item.groups !== null) {
    if (!Array.isArray(item.groups)) report(`${at}.groups`, `must be a list of strings, got ${describe(item.groups)}`);
    else {
      groups = [];
      item.groups.forEach((g: unknown, j) => {
        const name = identityName(g, `${at}.groups[${j}]`, report);
        if (name === undefined) return;
        if (name === SYSTEM_MASTERS) report(`${at}.groups[${j}]`, `${SYSTEM_MASTERS} is never grantable through this path`);
        else if (groups.includes(name)) report(`${at}.groups[${j}]`, `duplicate group ${JSON.stringify(name)}`);
        groups.push(name);
      });
    }
  }
  const secret = namespacedName(item.secret, `${at}.secret`, report);
  let pendingName: string | undefined;
  if (item.pendingSecretName !== undefined) {
    pendingName = objectName(item.pendingSecretName, `${at}.pendingSecretName`, report);
  } else if (secret) {
    pendingName = secret.name + PENDING_SECRET_SUFFIX;
    if (!DNS_SUBDOMAIN.test(pendingName)) report(`${at}.secret.name`, `is too long for the default pending Secret name ${JSON.stringify(pendingName)}; set pendingSecretName`);
  }
  let expirationSeconds = DEFAULT_EXPIRATION_SECONDS;
  if (item.expirationSeconds !== undefined) {
    const e = item.expirationSeconds;
    if (typeof e !== 'number' || !Number.isSafeInteger(e) || e < MIN_EXPIRATION_SECONDS) {
      report(`${at}.expirationSeconds`, `must be a whole number of seconds >= ${MIN_EXPIRATION_SECONDS}, got ${describe(e)}`);
    } else expirationSeconds = e;
  }
  const caConfigMap = item.caConfigMap === undefined ? undefined : namespacedName(item.caConfigMap, `${at}.caConfigMap`, report);
  if (before.count > 0 || username === undefined || !secret || pendingName === undefined) return undefined;
  if (pendingName === secret.name) {
    problem(`${at}.pendingSecretName`, `must differ from secret.name (${secret.name})`);
    return undefined;
  }
  // The policy's own identity check, so the set never holds an identity the approver would refuse.
  const checked = scraperIdentity(username, groups);
  return Object.freeze({
    username: checked.username,
    groups: checked.groups,
    secret,
    pendingSecret: Object.freeze({ namespace: secret.namespace, name: pendingName }),
    expirationSeconds,
    caConfigMap,
  });
}

function crossChecks(identities: readonly (ConfiguredIdentity | undefined)[], problem: Report): void {
  const usernames = new Map<string, number>();
  identities.forEach((id, i) => {
    if (!id) return;
    const first = usernames.get(id.username);
    if (first !== undefined) problem(`identities[${i}].username`, `${JSON.stringify(id.username)} is already identities[${first}].username`);
    else usernames.set(id.username, i);
  });
  // Every Secret the operator writes, by namespace/name: each may belong to exactly one role of one identity.
  const secrets = new Map<string, string>();
  const claim = (ref: NamespacedName, field: string) => {
    const key = formatNamespacedName(ref);
    const owner = secrets.get(key);
    if (owner !== undefined) problem(field, `Secret ${key} is already ${owner}`);
    else secrets.set(key, field);
  };
  identities.forEach((id, i) => id && claim(id.secret, `identities[${i}].secret`));
  identities.forEach((id, i) => id && claim(id.pendingSecret, `identities[${i}].pendingSecretName`));
}

function unknownKeys(o: Obj, allowed: readonly string[], at: string, problem: Report): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) problem(at ? `${at}.${key}` : key, `unknown key (allowed: ${allowed.join(', ')})`);
  }
}

function identityName(v: unknown, field: string, problem: Report): string | undefined {
  if (typeof v !== 'string') {
    problem(field, `must be a string, got ${describe(v)}`);
    return undefined;
  }
  const bad = identityValueProblem(v);
  if (bad !== undefined) {
    problem(field, `${JSON.stringify(v)} ${bad}`);
    return undefined;
  }
  try {
    scraperIdentity(v);
  } catch {
    problem(field, `${JSON.stringify(v)} is not a valid identity name (1-256 characters, no surrounding whitespace or control characters)`);
    return undefined;
  }
  return v;
}

function namespacedName(v: unknown, at: string, problem: Report): NamespacedName | undefined {
  if (!isObject(v)) {
    problem(at, `must be an object with namespace and name, got ${describe(v)}`);
    return undefined;
  }
  unknownKeys(v, REF_KEYS, at, problem);
  let namespace: string | undefined;
  if (typeof v.namespace !== 'string' || !DNS_LABEL.test(v.namespace)) {
    problem(`${at}.namespace`, `must be a DNS-1123 label (a namespace), got ${describe(v.namespace)}`);
  } else namespace = v.namespace;
  const name = objectName(v.name, `${at}.name`, problem);
  return namespace !== undefined && name !== undefined && Object.keys(v).every((k) => REF_KEYS.includes(k)) ? Object.freeze({ namespace, name }) : undefined;
}

function objectName(v: unknown, field: string, problem: Report): string | undefined {
  if (typeof v !== 'string' || !DNS_SUBDOMAIN.test(v)) {
    problem(field, `must be a DNS-1123 subdomain (an object name), got ${describe(v)}`);
    return undefined;
  }
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
