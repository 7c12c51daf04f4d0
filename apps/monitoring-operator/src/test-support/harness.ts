// Integration-test harness: real processes (the BUILT operator and approver bins) against the
// real local control plane. Test-only; excluded from the library build.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CertificatesV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  Watch,
  type V1CertificateSigningRequest,
  type V1Secret,
} from '@kubernetes/client-node';
import { certificateMatchesKey, importPrivateKeyPem, parseCertificate, type ParsedCertificate } from '@certscrape/pkcs';
import type { ClusterInfo, LocalCluster } from '@certscrape/local-cluster';

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

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as T;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await sleep(intervalMs);
  }
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
 * The operator's RBAC, as in deploy/monitoring-operator (least privilege, names pinned):
 * CSRs cluster-wide; the client CA source in kube-system; in `namespace` the target Secret,
 * the pending-state Secret, the CA ConfigMap, events and the Lease.
 */
export async function grantOperator(admin: Admin, namespace: string): Promise<void> {
  const subjects = [{ kind: 'ServiceAccount', name: OPERATOR_SA.name, namespace: OPERATOR_SA.namespace }];
  await ignoreConflict(
    admin.rbac.createClusterRole({
      body: { metadata: { name: 'it-monitoring-operator' }, rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['create', 'get', 'list', 'watch', 'delete'] }] },
    }),
  );
  await ignoreConflict(
    admin.rbac.createClusterRoleBinding({ body: { metadata: { name: 'it-monitoring-operator' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'it-monitoring-operator' }, subjects } }),
  );
  await ignoreConflict(
    admin.rbac.createNamespacedRole({
      namespace: 'kube-system',
      body: { metadata: { name: 'it-monitoring-operator-client-ca' }, rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['extension-apiserver-authentication'], verbs: ['get', 'list', 'watch'] }] },
    }),
  );
  await ignoreConflict(
    admin.rbac.createNamespacedRoleBinding({
      namespace: 'kube-system',
      body: { metadata: { name: 'it-monitoring-operator-client-ca' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'it-monitoring-operator-client-ca' }, subjects },
    }),
  );
  await ensureNamespace(admin, namespace);
  await ignoreConflict(
    admin.rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'it-monitoring-operator' },
        rules: [
          { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['create'] },
          { apiGroups: [''], resources: ['secrets'], resourceNames: ['metrics-client-certs', 'metrics-client-certs-pending'], verbs: ['get', 'list', 'watch', 'update'] },
          { apiGroups: [''], resources: ['configmaps'], resourceNames: ['metrics-client-ca'], verbs: ['get', 'list', 'watch', 'update'] },
          { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['certscrape-monitoring-operator'], verbs: ['get', 'update'] },
        ],
      },
    }),
  );
  await ignoreConflict(
    admin.rbac.createNamespacedRoleBinding({
      namespace,
      body: { metadata: { name: 'it-monitoring-operator' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'it-monitoring-operator' }, subjects },
    }),
  );
}

/** The approver's RBAC, as in deploy/csr-approver. */
export async function grantApprover(admin: Admin, sa: { namespace: string; name: string }): Promise<void> {
  const subjects = [{ kind: 'ServiceAccount', name: sa.name, namespace: sa.namespace }];
  await ignoreConflict(
    admin.rbac.createClusterRole({
      body: {
        metadata: { name: 'it-csr-approver' },
        rules: [
          { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['update'] },
          { apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['kubernetes.io/kube-apiserver-client'], verbs: ['approve'] },
        ],
      },
    }),
  );
  await ignoreConflict(admin.rbac.createClusterRoleBinding({ body: { metadata: { name: 'it-csr-approver' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'it-csr-approver' }, subjects } }));
  await ignoreConflict(
    admin.rbac.createNamespacedRole({ namespace: 'default', body: { metadata: { name: 'it-csr-approver-events' }, rules: [{ apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] }] } }),
  );
  await ignoreConflict(
    admin.rbac.createNamespacedRoleBinding({
      namespace: 'default',
      body: { metadata: { name: 'it-csr-approver-events' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'it-csr-approver-events' }, subjects },
    }),
  );
}

/** A spawned bin with its JSON log lines collected. */
export class Proc {
  readonly logs: Record<string, unknown>[] = [];
  stdoutText = '';
  stderrText = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly child: ChildProcess;

  constructor(readonly name: string, bin: string, args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let buf = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdoutText += chunk;
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.logs.push({ raw: line });
        }
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderrText += chunk));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** Waits for a log line matching `pred`; returns it. */
  waitForLog(what: string, pred: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000, from = 0): Promise<Record<string, unknown>> {
    return waitFor(`${this.name} log: ${what}`, () => this.logs.slice(from).find(pred), timeoutMs, 50);
  }

  /** SIGKILL, no cleanup chance. */
  async kill9(): Promise<void> {
    if (!this.alive) return;
    process.kill(this.pid, 'SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    process.kill(this.pid, 'SIGTERM');
    const t = setTimeout(() => this.alive && process.kill(this.pid, 'SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(t);
  }

  /** A short dump for failure messages. */
  tail(n = 30): string {
    return `${this.stdoutText.split('\n').slice(-n).join('\n')}\n--- stderr ---\n${this.stderrText.slice(-3000)}`;
  }
}

/** A running operator: metrics and health URLs come from its startup log line. */
export class OperatorProc extends Proc {
  async urls(): Promise<{ health: string; metrics: string }> {
    const line = await this.waitForLog('serving probes and metrics', (l) => l['msg'] === 'serving probes and metrics');
    return { health: String(line['health']), metrics: String(line['metrics']) };
  }

  /** The value of one metric sample (`name{labels}`), or undefined. */
  async metric(sample: string): Promise<number | undefined> {
    const { metrics } = await this.urls();
    const text = await (await fetch(`${metrics}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
    }
    return undefined;
  }
}

/** Spawns the built operator bin with the SA kubeconfig, probes on 127.0.0.1:0. */
export function startOperator(options: { kubeconfig: string; namespace: string; args?: readonly string[]; name?: string }): OperatorProc {
  if (!existsSync(join(PROJECT_ROOT, 'dist/main.js'))) throw new Error('build the operator first: npx nx build @certscrape/monitoring-operator');
  return new OperatorProc(options.name ?? 'operator', OPERATOR_BIN, [
    `--kubeconfig=${options.kubeconfig}`,
    `--namespace=${options.namespace}`,
    '--metrics-bind-address=127.0.0.1:0',
    '--health-probe-bind-address=127.0.0.1:0',
    ...(options.args ?? []),
  ]);
}

/** True when the csr-approver app is built and its bin can be spawned. */
export function approverBuilt(): boolean {
  return existsSync(APPROVER_DIST) && existsSync(APPROVER_BIN);
}

/** Spawns the real csr-approver bin (built) with its own SA kubeconfig. */
export function startApprover(kubeconfig: string): Proc {
  return new Proc('approver', APPROVER_BIN, [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--metrics-bind-address=0', '--health-probe-bind-address=0']);
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

/** A cluster-wide CSR watch (as admin) recording every CSR the operator SA creates, in order. */
export class CsrRecorder {
  readonly created: { name: string; at: number; csr: V1CertificateSigningRequest }[] = [];
  readonly latest = new Map<string, V1CertificateSigningRequest>();
  private abort: AbortController | undefined;
  private onCreate: ((csr: V1CertificateSigningRequest) => void) | undefined;

  constructor(private readonly admin: Admin, private readonly requester = OPERATOR_USERNAME) {}

  async start(onCreate?: (csr: V1CertificateSigningRequest) => void): Promise<void> {
    this.onCreate = onCreate;
    const list = await this.admin.certs.listCertificateSigningRequest({ labelSelector: CSR_LABEL_SELECTOR });
    const seen = new Set(list.items.map((c) => c.metadata?.name));
    this.abort = await new Watch(this.admin.kc).watch(
      '/apis/certificates.k8s.io/v1/certificatesigningrequests',
      { labelSelector: CSR_LABEL_SELECTOR, resourceVersion: list.metadata?.resourceVersion },
      (phase, obj: V1CertificateSigningRequest) => {
        const name = obj.metadata?.name ?? '';
        if (phase === 'DELETED') return;
        this.latest.set(name, obj);
        if (phase === 'ADDED' && !seen.has(name) && obj.spec?.username === this.requester) {
          seen.add(name);
          this.created.push({ name, at: Date.now(), csr: obj });
          this.onCreate?.(obj);
        }
      },
      () => undefined,
    );
  }

  stop(): void {
    this.abort?.abort();
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

/** Watches the target Secret (as admin) and checks EVERY version it sees. */
export class SecretRecorder {
  readonly versions: SecretVersion[] = [];
  private abort: AbortController | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly admin: Admin, private readonly namespace: string, private readonly name = 'metrics-client-certs') {}

  async start(): Promise<void> {
    this.abort = await new Watch(this.admin.kc).watch(
      `/api/v1/namespaces/${this.namespace}/secrets`,
      { fieldSelector: `metadata.name=${this.name}` },
      (phase, obj: V1Secret) => {
        const at = Date.now();
        // Check sequentially so versions stay in order.
        this.pending = this.pending.then(async () => {
          this.versions.push({ at, phase, resourceVersion: obj.metadata?.resourceVersion ?? '', ...(await checkSecretPair(obj)) });
        });
      },
      () => undefined,
    );
  }

  async settle(): Promise<SecretVersion[]> {
    await this.pending;
    return this.versions;
  }

  stop(): void {
    this.abort?.abort();
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

/** Whatever approves the operator's CSRs in a test where the approver is not the subject. */
export interface Approval {
  readonly mode: 'real csr-approver' | 'manual (admin /approval)';
  stop(): Promise<void>;
}

/**
 * Starts the real csr-approver bin (monitoring/csr-approver SA, deploy/ RBAC) when it is built;
 * otherwise approves every CSR the operator SA creates, as admin, through /approval.
 */
export async function startApproval(admin: Admin, cluster: LocalCluster, dir: string): Promise<Approval> {
  if (approverBuilt()) {
    await grantApprover(admin, { namespace: 'monitoring', name: 'csr-approver' });
    const kubeconfig = await cluster.serviceAccountKubeconfig({ namespace: 'monitoring', name: 'csr-approver', out: join(dir, 'approver.kubeconfig') });
    const proc = startApprover(kubeconfig);
    return { mode: 'real csr-approver', stop: () => proc.stop() };
  }
  const recorder = new CsrRecorder(admin);
  await recorder.start((csr) => void decideCsr(admin, csr.metadata!.name!, 'Approved', 'approved by the integration test').catch(() => undefined));
  return { mode: 'manual (admin /approval)', stop: async () => recorder.stop() };
}

/** `prefix-<random>`: every run starts from nothing, even on a reused cluster. */
export function uniqueNamespace(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
