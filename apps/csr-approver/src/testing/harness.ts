// Integration-test support for the approver: service accounts and RBAC on the local control plane,
// the built approver bin as a child process, CSR submission (also by impersonation) and polling.
// Not part of the build (tsconfig.lib.json excludes src/testing).
import { execFileSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import type { RequestOptions } from 'node:https';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { CertificatesV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import type { ClusterInfo, LocalCluster } from '@certscrape/local-cluster';
import { applyComponentRbac, SupervisedProcess, waitFor } from '@certscrape/local-cluster/testing';
import { encodePem, parseCsr } from '@certscrape/pkcs';
import type { ExtensionInput, KeySpec, NameInput } from '@certscrape/pkcs';
import { createTestCsr } from '@certscrape/pkcs/testing';

export const SIGNER = 'kubernetes.io/kube-apiserver-client';
export const IDENTITY = 'system:serviceaccount:monitoring:prometheus-k8s';
export const OPERATOR = { namespace: 'monitoring', name: 'monitoring-operator' };
export const OPERATOR_USERNAME = 'system:serviceaccount:monitoring:monitoring-operator';
export const OPERATOR_GROUPS = ['system:serviceaccounts', 'system:serviceaccounts:monitoring', 'system:authenticated'];
export const APPROVER_SA = { namespace: 'monitoring', name: 'csr-approver' };
export const BIN = fileURLToPath(new URL('../../bin/certscrape-csr-approver.js', import.meta.url));

/** Kubeconfigs for the identities the tests act as. */
export interface Identities {
  readonly admin: string;
  readonly operator: string;
  readonly approver: string;
  readonly otherSa: string;
  readonly sameNameOtherNs: string;
}

function adminConfig(info: ClusterInfo): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  return kc;
}

/** A KubeConfig loaded from a file. */
export function kubeConfigFrom(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

async function ignoreConflict(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if ((e as { code?: number }).code !== 409) throw e;
  }
}

/**
 * Creates the service accounts (operator, approver, another SA, the operator's name in another
 * namespace) with token kubeconfigs in `dir`, and applies the approver's RBAC exactly as deploy/
 * renders it (the test kit's applyComponentRbac: CSR get/list/watch, approval update, approve on
 * the kube-apiserver-client signer only, events create in `default`, its Lease). Requesters get
 * CSR create/get/list/watch.
 */
export async function prepareIdentities(cluster: LocalCluster, dir: string): Promise<Identities> {
  const info = cluster.info;
  const sa = (namespace: string, name: string, file: string) => cluster.serviceAccountKubeconfig({ namespace, name, out: join(dir, file) });
  const operator = await sa(OPERATOR.namespace, OPERATOR.name, 'operator.kubeconfig');
  const approver = await sa(APPROVER_SA.namespace, APPROVER_SA.name, 'approver.kubeconfig');
  const otherSa = await sa('monitoring', 'other-sa', 'other-sa.kubeconfig');
  const sameNameOtherNs = await sa('not-monitoring', OPERATOR.name, 'same-name-other-ns.kubeconfig');
  // The approver's identity and RBAC: exactly what deploy/csr-approver renders (the test kit applies it).
  await applyComponentRbac(adminConfig(info), 'csr-approver');
  const rbac = adminConfig(info).makeApiClient(RbacAuthorizationV1Api);
  await ignoreConflict(
    rbac.createClusterRole({
      body: {
        metadata: { name: 'certscrape-test-csr-requester' },
        rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['create', 'get', 'list', 'watch'] }],
      },
    }),
  );
  await ignoreConflict(
    rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'certscrape-test-csr-requester' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'certscrape-test-csr-requester' },
        subjects: [
          { kind: 'ServiceAccount', namespace: OPERATOR.namespace, name: OPERATOR.name },
          { kind: 'ServiceAccount', namespace: 'monitoring', name: 'other-sa' },
          { kind: 'ServiceAccount', namespace: 'not-monitoring', name: OPERATOR.name },
        ],
      },
    }),
  );
  return { admin: info.kubeconfig, operator, approver, otherSa, sameNameOtherNs };
}

/** A running approver child process (the test kit's supervisor) with its parsed JSON log lines. */
export class ApproverProcess {
  constructor(private readonly proc: SupervisedProcess) {}

  /** stdout lines that are JSON log records, in order. */
  get lines(): Record<string, unknown>[] {
    return this.proc.logs.filter((l) => !('raw' in l && Object.keys(l).length === 1));
  }

  /** stderr lines, after any stdout line that is not JSON (prefixed `stdout: `). */
  get stderr(): string[] {
    const raw = this.proc.logs.filter((l) => 'raw' in l && Object.keys(l).length === 1).map((l) => `stdout: ${String(l['raw'])}`);
    const err = this.proc.stderrText.split('\n');
    if (err.at(-1) === '') err.pop();
    return [...raw, ...err];
  }

  get running(): boolean {
    return this.proc.alive;
  }

  /** Decision log lines (one per decision). */
  decisions(): { csr: string; decision: string; requester: unknown; violations: { rule: string }[] }[] {
    return this.lines.filter((l) => l['decision'] === 'approve' || l['decision'] === 'deny') as never;
  }

  /** Waits for a log line matching `pred` (fails at once if the approver exits first). */
  waitForLine(pred: (l: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    return this.proc.waitForLog('a matching approver log line', pred, timeoutMs);
  }

  /** The startup line (with healthUrl/metricsUrl). */
  started(timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return this.waitForLine((l) => l['msg'] === 'csr approver started', timeoutMs);
  }

  /** SIGTERM, then wait for exit (SIGKILL after `graceMs`). Resolves with the exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    await this.proc.stop(graceMs);
    return this.proc.exitInfo?.code ?? null;
  }

  /** Resolves with the exit code once the process ends. */
  async exit(): Promise<number | null> {
    return (await this.proc.exited).code;
  }
}

/** Spawns the built approver bin (with a minimal environment: PATH, HOME, LOG_LEVEL=info, plus `env`). */
export function startApprover(args: readonly string[], env: Record<string, string> = {}): ApproverProcess {
  return new ApproverProcess(
    new SupervisedProcess({
      name: 'approver',
      command: process.execPath,
      args: [BIN, ...args],
      cleanEnv: true,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/', LOG_LEVEL: 'info', ...env },
    }),
  );
}

/** What the test asks for. */
export interface CsrSubmission {
  readonly name: string;
  readonly request: string;
  readonly signerName?: string;
  readonly usages?: readonly string[];
  /** metadata.labels (e.g. the operator's `certscrape.io/csr-subject` hint). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Outcome of a create: the API either stored it or refused it (admission/validation). */
export type SubmitResult = { readonly created: true } | { readonly created: false; readonly status: number; readonly message: string };

function csrBody(s: CsrSubmission): V1CertificateSigningRequest {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: s.name, ...(s.labels ? { labels: { ...s.labels } } : {}) },
    spec: { request: Buffer.from(s.request).toString('base64'), signerName: s.signerName ?? SIGNER, usages: [...(s.usages ?? ['digital signature', 'client auth'])] },
  };
}

/** Creates a CSR as the identity of `kubeconfigPath`. */
export async function submitCsr(kubeconfigPath: string, s: CsrSubmission): Promise<SubmitResult> {
  const api = kubeConfigFrom(kubeconfigPath).makeApiClient(CertificatesV1Api);
  try {
    await api.createCertificateSigningRequest({ body: csrBody(s) });
    return { created: true };
  } catch (e) {
    const code = (e as { code?: number }).code;
    if (typeof code !== 'number') throw e;
    return { created: false, status: code, message: String((e as { body?: unknown }).body ?? e) };
  }
}

/** Creates a CSR as the admin impersonating `user` with exactly `groups` (Impersonate-User / Impersonate-Group). */
export async function submitCsrImpersonating(info: ClusterInfo, user: string, groups: readonly string[], s: CsrSubmission): Promise<SubmitResult> {
  const kc = adminConfig(info);
  const url = new URL('/apis/certificates.k8s.io/v1/certificatesigningrequests', info.server);
  const opts: RequestOptions = { method: 'POST', hostname: url.hostname, port: url.port, path: url.pathname };
  await kc.applyToHTTPSOptions(opts);
  opts.headers = { ...(opts.headers ?? {}), 'content-type': 'application/json', 'Impersonate-User': user, 'Impersonate-Group': [...groups] };
  const body = JSON.stringify(csrBody(s));
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpsRequest(opts, (res) => {
      let t = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (t += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: t }));
    });
    req.on('error', reject);
    req.end(body);
  });
  if (status === 201) return { created: true };
  return { created: false, status, message: text };
}

/** Reads a CSR as admin. */
export async function readCsr(info: ClusterInfo, name: string): Promise<V1CertificateSigningRequest> {
  return adminConfig(info).makeApiClient(CertificatesV1Api).readCertificateSigningRequest({ name });
}

/** Condition types with status True. */
export function conditionTypes(csr: V1CertificateSigningRequest): string[] {
  return (csr.status?.conditions ?? []).filter((c) => c.status !== 'False').map((c) => c.type);
}

/** Polls a CSR until `pred` holds (or throws after `timeoutMs`), with the test kit's waitFor. */
export async function waitForCsr(info: ClusterInfo, name: string, pred: (csr: V1CertificateSigningRequest) => boolean, timeoutMs = 20_000): Promise<V1CertificateSigningRequest> {
  let last: V1CertificateSigningRequest | undefined;
  return waitFor(async () => {
    last = await readCsr(info, name);
    return pred(last) ? last : undefined;
  }, { what: `CSR ${name} to reach the expected state`, timeoutMs }).catch((e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : String(e)}: ${JSON.stringify(last?.status ?? {})}`);
  });
}

/** A terminal CSR (Approved, Denied or Failed). */
export const isDecided = (csr: V1CertificateSigningRequest): boolean => conditionTypes(csr).some((t) => t === 'Approved' || t === 'Denied' || t === 'Failed');

/** A PEM CSR built with @certscrape/pkcs/testing. */
export async function pemCsr(options: { subject?: NameInput; keySpec?: KeySpec; extensions?: readonly ExtensionInput[] } = {}): Promise<string> {
  const { pem } = await createTestCsr({
    subject: options.subject ?? [[{ type: 'CN', value: IDENTITY }]],
    keySpec: options.keySpec ?? { kind: 'ecdsa', curve: 'P-256' },
    ...(options.extensions ? { extensions: options.extensions } : {}),
  });
  return pem;
}

/** An RSA CSR of `bits` made by openssl (used for sizes pkcs refuses to generate, e.g. 1024). */
export function opensslRsaCsr(subject: string, bits: number): string {
  return execFileSync('openssl', ['req', '-new', '-newkey', `rsa:${bits}`, '-nodes', '-keyout', '/dev/null', '-subj', subject], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

/** The same CSR with one signature byte flipped. */
export function tamperSignature(pem: string): string {
  const der = Uint8Array.from(parseCsr(pem).der);
  der[der.length - 5] = der[der.length - 5]! ^ 0xff;
  return encodePem(der, 'CERTIFICATE REQUEST');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
