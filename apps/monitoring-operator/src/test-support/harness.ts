// Integration-test harness: real processes (the BUILT operator and approver bins) against the
// real local control plane. Test-only; excluded from the library build.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CertificatesV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1CertificateSigningRequest,
  type V1Secret,
} from '@kubernetes/client-node';
import { certificateMatchesKey, importPrivateKeyPem, parseCertificate, type ParsedCertificate } from '@certscrape/pkcs';
import { createInformer } from '@certscrape/kube-runtime';
import type { ClusterInfo, LocalCluster } from '@certscrape/local-cluster';
import { applyComponentRbac, ObjectRecorder, SupervisedProcess, waitFor as waitUntil, type RecordedVersion } from '@certscrape/local-cluster/testing';
import type { KubeObject } from '@certscrape/local-cluster';

const here = dirname(fileURLToPath(import.meta.url));
/** apps/monitoring-operator */
export const PROJECT_ROOT = resolve(here, '../..');
export const OPERATOR_BIN = join(PROJECT_ROOT, 'bin/certscrape-monitoring-operator.js');
export const APPROVER_BIN = resolve(PROJECT_ROOT, '../csr-approver/bin/certscrape-csr-approver.js');
export const APPROVER_DIST = resolve(PROJECT_ROOT, '../csr-approver/dist/main.js');
export const OPERATOR_SA = { namespace: 'monitoring', name: 'monitoring-operator' } as const;
export const OPERATOR_USERNAME = 'system:serviceaccount:monitoring:monitoring-operator';
export const SCRAPER_USERNAME = 'system:serviceaccount:monitoring:prometheus-k8s';
export const CSR_LABEL_SELECTOR = 'certscrape.io/csr-subject=prometheus-k8s';

/** Sleeps (test side only: the operator itself never polls). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (the test kit's waitFor, argument order of these suites). */
export function waitFor<T>(what: string, probe: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  return waitUntil(probe, { what, timeoutMs, intervalMs });
}

/** Admin API clients on the cluster. */
export interface Admin {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly certs: CertificatesV1Api;
  readonly rbac: RbacAuthorizationV1Api;
}

export function adminClients(info: ClusterInfo): Admin {
  const kc = new KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api), certs: kc.makeApiClient(CertificatesV1Api), rbac: kc.makeApiClient(RbacAuthorizationV1Api) };
}

async function ignoreConflict(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if ((e as { code?: number }).code !== 409) throw e;
  }
}

/** Creates a namespace (idempotent). */
export async function ensureNamespace(admin: Admin, name: string): Promise<void> {
  await ignoreConflict(admin.core.createNamespace({ body: { metadata: { name } } }));
}

/**
 * Grants the operator exactly deploy/monitoring-operator's RBAC (rendered from deploy/, applied
 * server-side), its namespaced Role and RoleBinding moved into `namespace`. Returns what it
 * applied (rbac.test.ts diffs it against the rendered manifests).
 */
export function grantOperator(admin: Admin, namespace: string): Promise<KubeObject[]> {
  return applyComponentRbac(admin.kc, 'monitoring-operator', { namespace });
}

/** Grants the approver exactly deploy/csr-approver's RBAC (its own namespace, monitoring). */
export function grantApprover(admin: Admin): Promise<KubeObject[]> {
  return applyComponentRbac(admin.kc, 'csr-approver');
}

/** A spawned bin (the test kit's supervisor) with its JSON log lines collected. */
export class Proc extends SupervisedProcess {
  constructor(name: string, bin: string, args: readonly string[], env: Record<string, string> = {}) {
    super({ name, command: process.execPath, args: [bin, ...args], env });
  }
}

/** A running operator: metrics and health URLs come from runController's `started` log line. */
export class OperatorProc extends Proc {
  async urls(): Promise<{ health: string; metrics: string }> {
    const line = await this.waitForLog('started (runController start-up line)', (l) => l['msg'] === 'started' && typeof l['healthUrl'] === 'string');
    return { health: String(line['healthUrl']), metrics: String(line['metricsUrl']) };
  }

  /**
   * The value of the first metric sample matching `name{labels}`: the sample must carry every
   * label given (in any order) and may carry more (the per-identity `identity` label), or undefined.
   */
  async metric(sample: string): Promise<number | undefined> {
    const { metrics } = await this.urls();
    const text = await (await fetch(`${metrics}/metrics`)).text();
    const want = parseSample(sample);
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const cut = line.lastIndexOf(' ');
      const got = parseSample(line.slice(0, cut));
      if (got.name === want.name && Object.entries(want.labels).every(([k, v]) => got.labels[k] === v)) return Number(line.slice(cut + 1));
    }
    return undefined;
  }
}

function parseSample(sample: string): { name: string; labels: Record<string, string> } {
  const brace = sample.indexOf('{');
  if (brace < 0) return { name: sample, labels: {} };
  const labels: Record<string, string> = {};
  for (const m of sample.slice(brace + 1, sample.lastIndexOf('}')).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
  return { name: sample.slice(0, brace), labels };
}

/** Spawns the built operator bin with the SA kubeconfig, probes on 127.0.0.1:0. */
export function startOperator(options: { kubeconfig: string; namespace: string; args?: readonly string[]; name?: string }): OperatorProc {
  if (!existsSync(join(PROJECT_ROOT, 'dist/main.js'))) throw new Error('build the operator first: npx nx build @certscrape/monitoring-operator');
  return new OperatorProc(options.name ?? 'operator', OPERATOR_BIN, [
    `--kubeconfig=${options.kubeconfig}`,
    `--namespace=${options.namespace}`,
    // Plain HTTP metrics on loopback (allowed for development; the HTTPS path is the DEPLOY suite's).
    '--metrics-bind-address=127.0.0.1:0',
    '--metrics-secure=false',
    '--health-probe-bind-address=127.0.0.1:0',
    ...(options.args ?? []),
  ]);
}

/** True when the csr-approver app is built and its bin can be spawned. */
export function approverBuilt(): boolean {
  return existsSync(APPROVER_DIST) && existsSync(APPROVER_BIN);
}

/** Spawns the real csr-approver bin (built) with its own SA kubeconfig, plus `args` (e.g. `--identities-file`). */
export function startApprover(kubeconfig: string, args: readonly string[] = []): Proc {
  return new Proc('approver', APPROVER_BIN, [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--metrics-bind-address=0', '--health-probe-bind-address=0', ...args]);
}

/** Approves or denies a CSR as admin through the /approval subresource. */
export async function decideCsr(admin: Admin, name: string, decision: 'Approved' | 'Denied', message: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const csr = await admin.certs.readCertificateSigningRequest({ name });
    const conditions = [...(csr.status?.conditions ?? []), { type: decision, status: 'True', reason: decision === 'Approved' ? 'IntegrationTestApproved' : 'IntegrationTestDenied', message, lastUpdateTime: new Date() }];
    try {
      await admin.certs.replaceCertificateSigningRequestApproval({ name, body: { ...csr, status: { ...csr.status, conditions } } });
      return;
    } catch (e) {
      if ((e as { code?: number }).code !== 409 || attempt > 5) throw e;
    }
  }
}

/** A CSR the operator SA created while the recorder watched. */
export interface CreatedCsr {
  readonly name: string;
  /** Wall-clock ms of its ADDED event. */
  readonly at: number;
  readonly csr: V1CertificateSigningRequest;
}

/**
 * Records every CSR of the operator's label (as admin, through an informer) and lists those the
 * operator SA created after the recorder started, in order. Call {@link assertWatchedThroughout}
 * before relying on "no other CSR was created".
 */
export class CsrRecorder {
  readonly created: CreatedCsr[] = [];
  private recorder: ObjectRecorder<V1CertificateSigningRequest> | undefined;

  /** `labelSelector`: which CSRs to record; default the single default identity's label. */
  constructor(private readonly admin: Admin, private readonly requester = OPERATOR_USERNAME, private readonly labelSelector = CSR_LABEL_SELECTOR) {}

  async start(onCreate?: (csr: V1CertificateSigningRequest) => void): Promise<void> {
    const labelSelector = this.labelSelector;
    const informer = createInformer<V1CertificateSigningRequest>(this.admin.kc, {
      name: 'it-csr-recorder',
      path: '/apis/certificates.k8s.io/v1/certificatesigningrequests',
      labelSelector,
      list: () => this.admin.certs.listCertificateSigningRequest({ labelSelector }),
    });
    this.recorder = new ObjectRecorder(informer, {
      name: 'CSR recorder',
      onCreate: (csr) => {
        if (csr.spec?.username !== this.requester) return;
        this.created.push({ name: csr.metadata?.name ?? '', at: Date.now(), csr });
        onCreate?.(csr);
      },
    });
    await this.recorder.start();
  }

  /** Fails unless the recorder saw every CSR event since it started (see ObjectRecorder). */
  assertWatchedThroughout(): Promise<void> {
    if (!this.recorder) return Promise.reject(new Error('CSR recorder was never started'));
    return this.recorder.assertWatchedThroughout();
  }

  stop(): void {
    void this.recorder?.stop();
  }
}

/** One observed version of the target Secret, checked as a pair. */
export interface SecretVersion {
  readonly at: number;
  readonly phase: string;
  readonly resourceVersion: string;
  readonly cert: ParsedCertificate | undefined;
  /** Empty = the pair matches and the annotations agree with the certificate. */
  readonly problems: readonly string[];
}

/**
 * Watches the target Secret (as admin, through an informer) and checks EVERY version it sees.
 * A claim over every version holds only with {@link assertWatchedThroughout}.
 */
export class SecretRecorder {
  private readonly recorder: ObjectRecorder<V1Secret, { cert: ParsedCertificate | undefined; problems: string[] }>;

  constructor(admin: Admin, namespace: string, name = 'metrics-client-certs') {
    const fieldSelector = `metadata.name=${name}`;
    const informer = createInformer<V1Secret>(admin.kc, {
      name: 'it-secret-recorder',
      path: `/api/v1/namespaces/${namespace}/secrets`,
      fieldSelector,
      list: () => admin.core.listNamespacedSecret({ namespace, fieldSelector }),
    });
    this.recorder = new ObjectRecorder(informer, { name: `Secret ${namespace}/${name} recorder`, inspect: (obj) => checkSecretPair(obj) });
  }

  async start(): Promise<void> {
    await this.recorder.start();
  }

  /** Every version seen so far, each checked. */
  async settle(): Promise<SecretVersion[]> {
    const versions = await this.recorder.settle();
    return versions.map((v: RecordedVersion<V1Secret, { cert: ParsedCertificate | undefined; problems: string[] }>) => ({ at: v.at, phase: v.phase, resourceVersion: v.resourceVersion, ...v.inspection }));
  }

  /** Fails unless the recorder saw every version since it started. */
  assertWatchedThroughout(): Promise<void> {
    return this.recorder.assertWatchedThroughout();
  }

  stop(): void {
    void this.recorder.stop();
  }
}

/** Checks a Secret object: both halves present, the key matches the cert, annotations match the cert window. */
export async function checkSecretPair(secret: V1Secret): Promise<{ cert: ParsedCertificate | undefined; problems: string[] }> {
  const problems: string[] = [];
  const crt = secret.data?.['tls.crt'];
  const key = secret.data?.['tls.key'];
  if (secret.type !== 'kubernetes.io/tls') problems.push(`type ${secret.type}`);
  if (!crt || !key) return { cert: undefined, problems: [...problems, 'missing half'] };
  let cert: ParsedCertificate | undefined;
  try {
    cert = parseCertificate(Buffer.from(crt, 'base64').toString('utf8'));
    const keys = await importPrivateKeyPem(Buffer.from(key, 'base64').toString('utf8'));
    if (!(await certificateMatchesKey(cert, keys))) problems.push('mismatched pair');
    const ann = secret.metadata?.annotations ?? {};
    if (Date.parse(ann['certscrape.io/not-before'] ?? '') !== cert.notBefore.getTime()) problems.push('not-before annotation');
    if (Date.parse(ann['certscrape.io/not-after'] ?? '') !== cert.notAfter.getTime()) problems.push('not-after annotation');
  } catch (e) {
    problems.push(`unparsable: ${(e as Error).message}`);
  }
  return { cert, problems };
}

/** Reads the Secret or undefined. */
export async function readSecret(admin: Admin, namespace: string, name = 'metrics-client-certs'): Promise<V1Secret | undefined> {
  try {
    return await admin.core.readNamespacedSecret({ name, namespace });
  } catch (e) {
    if ((e as { code?: number }).code === 404) return undefined;
    throw e;
  }
}

/** Waits until the Secret holds a valid pair whose certificate satisfies `accept`. */
export async function waitForValidSecret(admin: Admin, namespace: string, accept: (cert: ParsedCertificate, secret: V1Secret) => boolean = () => true, timeoutMs = 30_000): Promise<{ secret: V1Secret; cert: ParsedCertificate }> {
  let lastSeen = 'no Secret';
  return waitFor(`a valid pair in ${namespace}/metrics-client-certs`, async () => {
    const secret = await readSecret(admin, namespace);
    if (!secret) return undefined;
    const { cert, problems } = await checkSecretPair(secret);
    lastSeen = `${secret.metadata?.resourceVersion}: ${problems.join(', ') || 'pair ok'}${cert && problems.length === 0 && !accept(cert, secret) ? ' (not accepted)' : ''}`;
    return cert && problems.length === 0 && accept(cert, secret) ? { secret, cert } : undefined;
  }, timeoutMs).catch((e: unknown) => {
    throw new Error(`${String(e)}; last seen: ${lastSeen}`);
  });
}

/** GET `path` on kube-apiserver authenticating with a client certificate; returns the HTTP status. */
export function requestWithClientCert(info: ClusterInfo, certPem: string, keyPem: string, path = '/api/v1/namespaces/kube-system/secrets'): Promise<{ status: number; body: string }> {
  const url = new URL(path, info.server);
  return new Promise((resolvePromise, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'GET', ca: readFileSync(info.caFile), cert: certPem, key: keyPem },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A fresh temp dir for kubeconfigs. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Operator SA kubeconfig (monitoring/monitoring-operator) written by the local cluster. */
export function operatorKubeconfig(cluster: LocalCluster, dir: string): Promise<string> {
  return cluster.serviceAccountKubeconfig({ ...OPERATOR_SA, out: join(dir, 'operator.kubeconfig') });
}

/** Every private key body in `text`? Used to assert logs never carry key material. */
export function containsKeyMaterial(text: string, keyPem: string): boolean {
  const body = keyPem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  return text.includes('PRIVATE KEY') || (body.length > 0 && text.includes(body.slice(0, 32)));
}

/** The real csr-approver, approving the operator's CSRs in tests where it is not the subject. */
export interface Approval {
  readonly mode: 'real csr-approver';
  stop(): Promise<void>;
}

/**
 * Starts the real csr-approver bin (monitoring/csr-approver SA, exactly deploy/csr-approver's
 * RBAC). The approver is a hard prerequisite: when it is not built this fails with the command
 * that builds it, never falls back to approving as admin.
 */
export async function startApproval(admin: Admin, cluster: LocalCluster, dir: string, args: readonly string[] = []): Promise<Approval> {
  if (!approverBuilt()) {
    throw new Error(`the csr-approver is not built (${APPROVER_DIST} missing): the operator's integration tests need the real approver. Build it with: npx nx build @certscrape/csr-approver (the integration target depends on it)`);
  }
  await grantApprover(admin);
  const kubeconfig = await cluster.serviceAccountKubeconfig({ namespace: 'monitoring', name: 'csr-approver', out: join(dir, 'approver.kubeconfig') });
  const proc = startApprover(kubeconfig, args);
  return { mode: 'real csr-approver', stop: () => proc.stop() };
}

/** One identity of an identities file (docs/identities.md), as the tests write them. */
export interface TestIdentity {
  readonly username: string;
  readonly secret: { readonly namespace: string; readonly name: string };
  readonly caConfigMap?: { readonly namespace: string; readonly name: string };
  readonly expirationSeconds?: number;
}

/** Writes an identities file (`kind: ScraperIdentities`, as JSON — which is YAML) at `path` and returns the path. */
export function writeIdentitiesFile(path: string, identities: readonly TestIdentity[]): string {
  writeFileSync(path, `${JSON.stringify({ apiVersion: 'certscrape.io/v1alpha1', kind: 'ScraperIdentities', identities }, null, 2)}\n`);
  return path;
}

/** `prefix-<random>`: every run starts from nothing, even on a reused cluster. */
export function uniqueNamespace(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
