// deploy/ against the real local control plane (kube-apiserver 1.20 + kube-controller-manager):
// every kustomization applies with server-side apply (real validation), the pod specs meet
// PodSecurity "restricted", the containers' args are accepted by each app's own flag parser, and
// the RBAC grants each identity exactly what it needs — proved with SubjectAccessReviews and with
// real requests made with each service account's token and with a real scraper certificate.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  ApiException,
  AuthorizationV1Api,
  CertificatesV1Api,
  CoreV1Api,
  CoordinationV1Api,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  Watch,
} from '@kubernetes/client-node';
import type { KubeConfig, V1CertificateSigningRequest, V1PolicyRule } from '@kubernetes/client-node';
import { localClusterFromInject, localClusterHandleFromInject } from '@certscrape/local-cluster/testing';
import type { ClusterInfo, LocalCluster } from '@certscrape/local-cluster/testing';
import { EKU, certificateMatchesKey, commonNameInput, createCsr, exportPrivateKeyPem, generateKeyPair, importPrivateKeyPem, parseCertificate } from '@certscrape/pkcs';
import { createTestCa, issueTestLeaf } from '@certscrape/pkcs/testing';
import { parseSidecarFlags } from '@certscrape/target-auth';
import { ApplyError, DEPLOY_COMPONENTS, DEPLOY_DIR, applyKustomization, applyObjects, renderDeploy, toKubeConfig } from './support/apply-manifests.js';
import { objectId } from './support/kustomize.js';
import type { KubeObject } from './support/kustomize.js';
import { hardeningViolations, restrictedViolations } from './support/pod-security.js';

const NS = 'monitoring';
const SCRAPER = 'system:serviceaccount:monitoring:prometheus-k8s';
const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
const saUser = (name: string, ns = NS) => `system:serviceaccount:${ns}:${name}`;
const saGroups = (ns = NS) => ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'];

/** The identities certscrape creates, as kube-apiserver authenticates them. */
const WHO = {
  approver: { user: saUser('csr-approver'), groups: saGroups() },
  operator: { user: saUser('monitoring-operator'), groups: saGroups() },
  /** The scraper with its client certificate (CN only, no O): x509 adds system:authenticated. */
  scraperCert: { user: SCRAPER, groups: ['system:authenticated'] },
  /** The bare user, to see what certscrape grants without any cluster-default group binding. */
  scraperBare: { user: SCRAPER, groups: [] as string[] },
  scraperToken: { user: SCRAPER, groups: saGroups() },
  exampleTarget: { user: saUser('example-exporter'), groups: saGroups() },
} as const;
type Who = keyof typeof WHO;

interface Access {
  readonly verb: string;
  readonly group?: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly path?: string;
}
const csr = (verb: string, extra: Partial<Access> = {}): Access => ({ verb, group: 'certificates.k8s.io', resource: 'certificatesigningrequests', ...extra });
const signer = (verb: string, name: string): Access => ({ verb, group: 'certificates.k8s.io', resource: 'signers', name });
const secret = (verb: string, namespace: string, name?: string): Access => ({ verb, resource: 'secrets', namespace, ...(name === undefined ? {} : { name }) });
const cm = (verb: string, namespace: string, name?: string): Access => ({ verb, resource: 'configmaps', namespace, ...(name === undefined ? {} : { name }) });
const lease = (verb: string, name?: string): Access => ({ verb, group: 'coordination.k8s.io', resource: 'leases', namespace: NS, ...(name === undefined ? {} : { name }) });
const url = (verb: string, path: string): Access => ({ verb, path });

/** [identity, access, allowed] — what each identity must be able to do, and a sample of what it must not. */
const MATRIX: readonly (readonly [Who, Access, boolean])[] = [
  // csr-approver: approve exactly one signer.
  ['approver', signer('approve', CLIENT_SIGNER), true],
  ['approver', signer('approve', 'kubernetes.io/kubelet-serving'), false],
  ['approver', signer('approve', 'kubernetes.io/legacy-unknown'), false],
  ['approver', signer('approve', 'kubernetes.io/kube-apiserver-client-kubelet'), false],
  ['approver', signer('approve', '*'), false],
  ['approver', signer('approve', 'kubernetes.io/*'), false],
  ['approver', signer('approve', 'example.com/other'), false],
  ['approver', signer('sign', CLIENT_SIGNER), false],
  ['approver', csr('get'), true],
  ['approver', csr('list'), true],
  ['approver', csr('watch'), true],
  ['approver', csr('update', { subresource: 'approval' }), true],
  ['approver', csr('update'), false],
  ['approver', csr('patch'), false],
  ['approver', csr('update', { subresource: 'status' }), false],
  ['approver', csr('create'), false],
  ['approver', csr('delete'), false],
  ['approver', { verb: 'create', resource: 'events', namespace: 'default' }, true],
  ['approver', { verb: 'create', resource: 'events', namespace: NS }, false],
  ['approver', lease('create'), true],
  ['approver', lease('get', 'certscrape-csr-approver'), true],
  ['approver', lease('update', 'certscrape-csr-approver'), true],
  ['approver', lease('delete', 'certscrape-csr-approver'), false],
  ['approver', lease('update', 'certscrape-monitoring-operator'), false],
  ['approver', lease('list'), false],
  ['approver', secret('get', NS, 'metrics-client-certs'), false],
  ['approver', secret('list', NS), false],
  // monitoring-operator: its CSRs, its own objects, one ConfigMap in kube-system.
  ['operator', csr('create'), true],
  ['operator', csr('get'), true],
  ['operator', csr('list'), true],
  ['operator', csr('watch'), true],
  ['operator', csr('delete'), true],
  ['operator', csr('update'), false],
  ['operator', csr('update', { subresource: 'approval' }), false],
  ['operator', csr('update', { subresource: 'status' }), false],
  ['operator', signer('approve', CLIENT_SIGNER), false],
  ['operator', signer('sign', CLIENT_SIGNER), false],
  ['operator', secret('create', NS), true],
  ['operator', secret('get', NS, 'metrics-client-certs'), true],
  ['operator', secret('list', NS, 'metrics-client-certs'), true],
  ['operator', secret('watch', NS, 'metrics-client-certs'), true],
  ['operator', secret('update', NS, 'metrics-client-certs'), true],
  ['operator', secret('patch', NS, 'metrics-client-certs'), false],
  ['operator', secret('delete', NS, 'metrics-client-certs'), false],
  ['operator', secret('get', NS, 'metrics-client-certs-pending'), true],
  ['operator', secret('update', NS, 'metrics-client-certs-pending'), true],
  ['operator', secret('delete', NS, 'metrics-client-certs-pending'), false],
  ['operator', secret('list', NS, 'metrics-client-certs-pending'), false],
  ['operator', secret('get', NS, 'someone-elses-secret'), false],
  ['operator', secret('update', NS, 'someone-elses-secret'), false],
  ['operator', secret('delete', NS, 'someone-elses-secret'), false],
  ['operator', secret('list', NS), false],
  ['operator', secret('watch', NS), false],
  ['operator', secret('deletecollection', NS), false],
  ['operator', cm('create', NS), true],
  ['operator', cm('get', NS, 'metrics-client-ca'), true],
  ['operator', cm('watch', NS, 'metrics-client-ca'), true],
  ['operator', cm('update', NS, 'metrics-client-ca'), true],
  ['operator', cm('delete', NS, 'metrics-client-ca'), false],
  ['operator', cm('get', NS, 'prometheus-certscrape-config'), false],
  ['operator', cm('list', NS), false],
  ['operator', cm('get', 'kube-system', 'extension-apiserver-authentication'), true],
  ['operator', cm('list', 'kube-system', 'extension-apiserver-authentication'), true],
  ['operator', cm('watch', 'kube-system', 'extension-apiserver-authentication'), true],
  ['operator', cm('update', 'kube-system', 'extension-apiserver-authentication'), false],
  ['operator', cm('get', 'kube-system', 'kube-proxy'), false],
  ['operator', cm('list', 'kube-system'), false],
  ['operator', cm('watch', 'kube-system'), false],
  ['operator', secret('create', 'kube-system'), false],
  ['operator', { verb: 'create', resource: 'events', namespace: NS }, true],
  ['operator', lease('create'), true],
  ['operator', lease('get', 'certscrape-monitoring-operator'), true],
  ['operator', lease('update', 'certscrape-monitoring-operator'), true],
  ['operator', lease('update', 'certscrape-csr-approver'), false],
  ['operator', { verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: NS, name: 'prometheus-k8s' }, false],
  ['operator', { verb: 'impersonate', resource: 'users', name: SCRAPER }, false],
  ['operator', { verb: 'create', resource: 'pods', namespace: NS }, false],
  // the scraper: GET /metrics, nothing else.
  ['scraperBare', url('get', '/metrics'), true],
  ['scraperCert', url('get', '/metrics'), true],
  ['scraperToken', url('get', '/metrics'), true],
  ['scraperBare', url('post', '/metrics'), false],
  ['scraperBare', url('get', '/metrics/slis'), false],
  ['scraperBare', url('get', '/healthz'), false],
  ['scraperBare', url('get', '/api'), false],
  ['scraperCert', url('get', '/debug/pprof/'), false],
  ['scraperCert', url('get', '/logs/'), false],
  ['scraperCert', { verb: 'list', resource: 'pods' }, false],
  ['scraperCert', { verb: 'list', resource: 'endpoints', namespace: NS }, false],
  ['scraperCert', secret('get', NS, 'metrics-client-certs'), false],
  ['scraperCert', cm('get', NS, 'metrics-client-ca'), false],
  ['scraperCert', csr('create'), false],
  ['scraperToken', { verb: 'list', resource: 'pods', namespace: NS }, false],
  // the example target needs no API access at all.
  ['exampleTarget', url('get', '/metrics'), false],
  ['exampleTarget', { verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews' }, false],
  ['exampleTarget', cm('get', NS, 'metrics-client-ca'), false],
  // nobody: anything with "*".
  ...(Object.keys(WHO) as Who[]).map((who) => [who, { verb: '*', group: '*', resource: '*' }, false] as const),
  ...(Object.keys(WHO) as Who[]).map((who) => [who, url('*', '*'), false] as const),
];

let info: ClusterInfo;
let cluster: LocalCluster;
let admin: KubeConfig;
let work: string;
const createdCsrs: string[] = [];

async function allowed(who: { user: string; groups: readonly string[] }, a: Access): Promise<{ allowed: boolean; reason?: string }> {
  const api = admin.makeApiClient(AuthorizationV1Api);
  const review = await api.createSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: who.user,
        groups: [...who.groups],
        ...(a.path !== undefined
          ? { nonResourceAttributes: { verb: a.verb, path: a.path } }
          : { resourceAttributes: { verb: a.verb, group: a.group ?? '', resource: a.resource, subresource: a.subresource, namespace: a.namespace, name: a.name } }),
      },
    },
  });
  return { allowed: review.status?.allowed === true, reason: review.status?.reason };
}

async function saKubeconfig(name: string): Promise<KubeConfig> {
  return toKubeConfig(await cluster.serviceAccountKubeconfig({ namespace: NS, name, out: join(work, `${name}.kubeconfig`), expirationSeconds: 3600 }));
}

async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof ApiException) return e.code;
    throw e;
  }
}

async function newCsr(kc: KubeConfig, cn: string, signerName: string, usages: string[]): Promise<{ csr: V1CertificateSigningRequest; keyPem: string }> {
  const keys = await generateKeyPair();
  const parsed = await createCsr({ subject: commonNameInput(cn), keys });
  const created = await kc.makeApiClient(CertificatesV1Api).createCertificateSigningRequest({
    body: {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: 'certscrape-deploy-test-', labels: { 'app.kubernetes.io/part-of': 'certscrape-test' } },
      spec: { request: Buffer.from(parsed.pem).toString('base64'), signerName, usages },
    },
  });
  createdCsrs.push(created.metadata?.name ?? '');
  return { csr: created, keyPem: await exportPrivateKeyPem(keys) };
}

/** A real scraper client certificate from the cluster's signer (CSR by admin, approved by admin). */
async function issueScraperCertificate(): Promise<{ cert: string; key: string }> {
  const { csr: c, keyPem } = await newCsr(admin, SCRAPER, CLIENT_SIGNER, ['digital signature', 'client auth']);
  await approve(admin, c);
  const certs = admin.makeApiClient(CertificatesV1Api);
  const cert = await waitFor('the scraper certificate to be issued', async () => {
    const cur = await certs.readCertificateSigningRequest({ name: c.metadata?.name ?? '' });
    return cur.status?.certificate ? Buffer.from(cur.status.certificate, 'base64').toString('utf8') : undefined;
  });
  return { cert, key: keyPem };
}

function approve(kc: KubeConfig, c: V1CertificateSigningRequest): Promise<V1CertificateSigningRequest> {
  return kc.makeApiClient(CertificatesV1Api).replaceCertificateSigningRequestApproval({
    name: c.metadata?.name ?? '',
    body: { ...c, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'DeployManifestsTest', message: 'approved by the deploy-manifests test' }] } },
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function httpsGet(path: string, tls: { cert?: string; key?: string }): Promise<{ status: number; body: string }> {
  const server = new URL(info.server);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: server.hostname, port: server.port, path, method: 'GET', ca: readFileSync(info.caFile), ...tls, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const rendered = renderDeploy();
const deployments = rendered.filter((o) => o.kind === 'Deployment');
const roles = rendered.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE_PREFIX = 'ghcr.io/certscrape/';
/** Image name -> the bin its Dockerfile runs (relative to the repository root). */
const BINS: Readonly<Record<string, string>> = {
  'csr-approver': 'apps/csr-approver/bin/certscrape-csr-approver.js',
  'monitoring-operator': 'apps/monitoring-operator/bin/certscrape-monitoring-operator.js',
  'scraper-proxy': 'apps/scraper-proxy/bin/certscrape-scraper-proxy.js',
  'target-auth': 'packages/target-auth/bin/certscrape-target-auth.js',
};

function containersOf(d: KubeObject): { name: string; image: string; args: string[] }[] {
  return (d['spec'] as { template: { spec: { containers: { name: string; image: string; args?: string[] }[] } } }).template.spec.containers.map((c) => ({ name: c.name, image: c.image, args: c.args ?? [] }));
}

function deploymentArgs(deployment: string, container: string): string[] {
  const c = containersOf(deployments.find((d) => d.metadata.name === deployment) as KubeObject).find((x) => x.name === container);
  if (c === undefined) throw new Error(`${deployment}/${container} not rendered`);
  return c.args;
}

/** The `--flags` a bin's --help documents. Runs the BUILT bin (the nx `integration` target builds first). */
function helpFlags(bin: string): string[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, [join(REPO_ROOT, bin), '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`${bin} --help failed — is it built? (npx nx run @certscrape/e2e:integration builds first): ${e instanceof Error ? e.message : String(e)}`);
  }
  return [...new Set(out.match(/--[a-z0-9-]+/g) ?? [])];
}

function rulesOf(o: { rules?: unknown }): V1PolicyRule[] {
  return (o.rules ?? []) as V1PolicyRule[];
}
function wildcards(rules: readonly V1PolicyRule[]): string[] {
  const found: string[] = [];
  for (const r of rules) {
    for (const [field, values] of Object.entries({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, resourceNames: r.resourceNames, nonResourceURLs: r.nonResourceURLs })) {
      for (const v of values ?? []) if (v.includes('*')) found.push(`${field}: ${v}`);
    }
  }
  return found;
}

beforeAll(async () => {
  info = localClusterFromInject();
  cluster = await localClusterHandleFromInject();
  admin = toKubeConfig(info.kubeconfig);
  work = mkdtempSync(join(tmpdir(), 'deploy-manifests-'));
  await applyKustomization(admin);
});

afterAll(async () => {
  const certs = admin?.makeApiClient(CertificatesV1Api);
  for (const name of createdCsrs) if (name !== '') await statusOf(certs.deleteCertificateSigningRequest({ name }));
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('applying deploy/ to kube-apiserver', () => {
  it('applies every component kustomization cleanly, and re-applying is a no-op (same resourceVersion)', async () => {
    const objects = KubernetesObjectApi.makeApiClient(admin);
    for (const component of DEPLOY_COMPONENTS) {
      const before = new Map<string, string | undefined>();
      for (const o of renderDeploy(component)) {
        const live = await objects.read({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } });
        before.set(objectId(o), live.metadata?.resourceVersion);
      }
      const applied = await applyKustomization(admin, component);
      expect(applied.length, component).toBe(before.size);
      for (const a of applied) {
        const id = objectId(a as KubeObject);
        expect(a.metadata?.resourceVersion, id).toBe(before.get(id));
      }
    }
  });

  it('the server stores what was rendered (no field silently dropped)', async () => {
    const objects = KubernetesObjectApi.makeApiClient(admin);
    for (const d of deployments) {
      const live = (await objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: d.metadata.name, namespace: d.metadata.namespace } })) as unknown as KubeObject;
      const pick = (o: KubeObject) =>
        ((o['spec'] as { template: { spec: { containers: { name: string; args?: string[]; securityContext?: unknown }[] } } }).template.spec.containers).map((c) => ({
          name: c.name,
          args: c.args,
          securityContext: c.securityContext,
        }));
      expect(pick(live), d.metadata.name).toEqual(pick(d));
    }
    for (const r of roles) {
      const live = (await objects.read({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.metadata.name, namespace: r.metadata.namespace } })) as unknown as { rules?: unknown };
      expect(live.rules, objectId(r)).toEqual(r['rules']);
    }
  });

  it('is really validated by the server: a typo or an inconsistent Deployment is refused', async () => {
    const base = deployments.find((d) => d.metadata.name === 'csr-approver');
    if (base === undefined) throw new Error('csr-approver Deployment not rendered');
    const typo = structuredClone(base);
    const c = (typo['spec'] as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0]!;
    c['securityContext'] = { ...(c['securityContext'] as object), readOnlyRootFileSystem: true };
    const mismatch = structuredClone(base);
    (mismatch['spec'] as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels = { 'app.kubernetes.io/name': 'something-else' };
    for (const [what, o, said] of [
      ['typo', typo, /readOnlyRootFileSystem/],
      ['selector mismatch', mismatch, /selector/],
    ] as const) {
      const err = await applyObjects(admin, [o], { dryRun: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, what).toBeInstanceOf(ApplyError);
      expect((err as ApplyError).code).toBe('APPLY_ERR_REJECTED');
      expect((err as ApplyError).status, what).toBeGreaterThanOrEqual(400);
      expect((err as ApplyError).message, what).toMatch(said);
    }
  });

  it('every pod template meets PodSecurity "restricted" (1.20 has no PodSecurity admission) and certscrape hardening', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['csr-approver', 'example-exporter', 'monitoring-operator', 'prometheus-certscrape']);
    for (const d of deployments) {
      const template = (d['spec'] as { template: { metadata?: unknown; spec?: unknown } }).template;
      expect(restrictedViolations(template), d.metadata.name).toEqual([]);
      // The example exporter listens on loopback only: it has a liveness (exec) probe, no readiness probe.
      expect(hardeningViolations(template, { livenessOnly: ['exporter'] }), d.metadata.name).toEqual([]);
    }
    const ns = rendered.find((o) => o.kind === 'Namespace' && o.metadata.name === NS);
    expect(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it("every flag in the Deployments is one the app's own --help documents, and each image's Dockerfile runs that bin", () => {
    const certscrapeContainers = deployments.flatMap((d) => containersOf(d).filter((c) => c.image.startsWith(IMAGE_PREFIX)).map((c) => ({ deployment: d.metadata.name, ...c })));
    expect(certscrapeContainers.map((c) => c.name).sort()).toEqual(['csr-approver', 'monitoring-operator', 'scraper-proxy', 'target-auth']);
    for (const c of certscrapeContainers) {
      const app = c.image.slice(IMAGE_PREFIX.length).split(':')[0] ?? '';
      const bin = BINS[app];
      if (bin === undefined) throw new Error(`no bin known for image ${c.image}`);
      const documented = helpFlags(bin);
      for (const arg of c.args) {
        expect(arg, `${c.deployment}/${c.name}`).toMatch(/^--[a-z0-9-]+=\S+$/);
        expect(documented, `${c.deployment}/${c.name}: ${arg} is not in ${bin} --help`).toContain(arg.split('=')[0]);
      }
      expect(readFileSync(join(DEPLOY_DIR, app, 'Dockerfile'), 'utf8'), app).toContain(`CMD ["${bin}"]`);
    }
    // The sidecar's flags are also fully validated by its own parser (a library export).
    const sidecar = certscrapeContainers.find((c) => c.name === 'target-auth');
    expect(parseSidecarFlags(sidecar?.args ?? []).kind).toBe('run');
    // Prometheus's proxy_url points at the scraper-proxy's --listen-address.
    const proxy = certscrapeContainers.find((c) => c.name === 'scraper-proxy');
    const listen = proxy?.args.find((x) => x.startsWith('--listen-address='))?.split('=')[1];
    const promConfig = parseYaml(((rendered.find((x) => x.kind === 'ConfigMap' && x.metadata.name === 'prometheus-certscrape-config')?.['data'] as Record<string, string>) ?? {})['prometheus.yml'] ?? '') as {
      scrape_configs: { proxy_url?: string }[];
    };
    expect(promConfig.scrape_configs.filter((sc) => sc.proxy_url !== undefined).map((sc) => sc.proxy_url)).toEqual([`http://${listen}`]);
  });

  it('the plain Prometheus examples pass `promtool check config`', () => {
    const files = [join(DEPLOY_DIR, 'prometheus/scrape-config-cert-files.yml'), join(DEPLOY_DIR, 'prometheus/scrape-config-proxy-url.yml')];
    const embedded = rendered.find((x) => x.kind === 'ConfigMap' && x.metadata.name === 'prometheus-certscrape-config');
    const embeddedFile = join(work, 'embedded-prometheus.yml');
    writeFileSync(embeddedFile, (embedded?.['data'] as Record<string, string>)['prometheus.yml'] ?? '');
    for (const file of [...files, embeddedFile]) {
      // promtool checks that tls files exist: re-root every *_file path into a scratch dir.
      const root = join(work, 'fsroot');
      const text = readFileSync(file, 'utf8').replace(/(_file:\s*)(\/\S+)/g, (_m, k: string, path: string) => {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), 'placeholder');
        return `${k}${join(root, path)}`;
      });
      const checked = join(work, 'checked.yml');
      writeFileSync(checked, text);
      const out = execFileSync('promtool', ['check', 'config', checked], { encoding: 'utf8' });
      expect(out, file).toContain('SUCCESS');
    }
  });

  it('the prometheus-operator examples reference the real Secret keys, ConfigMap and Service port', () => {
    const docs = ['service-monitor-secret-refs.yaml', 'service-monitor-files.yaml', 'scrape-class.yaml'].flatMap((f) =>
      readFileSync(join(DEPLOY_DIR, 'prometheus', f), 'utf8')
        .split(/^---$/m)
        .map((d) => parseYaml(d) as { kind: string; spec: Record<string, unknown> }),
    );
    const monitors = docs.filter((d) => d.kind === 'ServiceMonitor');
    expect(monitors).toHaveLength(3);
    const service = rendered.find((o) => o.kind === 'Service' && o.metadata.name === 'example-exporter') as KubeObject;
    const servicePorts = (service['spec'] as { ports: { name: string }[]; selector: Record<string, string> }).ports.map((p) => p.name);
    const serviceLabels = service.metadata.labels ?? {};
    const certPaths = new Set<string>();
    for (const m of monitors) {
      for (const [k, v] of Object.entries((m.spec['selector'] as { matchLabels: Record<string, string> }).matchLabels)) expect(serviceLabels[k]).toBe(v);
      for (const e of m.spec['endpoints'] as { port: string; tlsConfig?: Record<string, unknown> }[]) {
        expect(servicePorts).toContain(e.port);
        const tls = e.tlsConfig ?? {};
        if (tls['cert'] !== undefined) {
          expect(tls['cert']).toEqual({ secret: { name: 'metrics-client-certs', key: 'tls.crt' } });
          expect(tls['keySecret']).toEqual({ name: 'metrics-client-certs', key: 'tls.key' });
        }
        if (tls['certFile'] !== undefined) certPaths.add(`${String(tls['certFile'])}|${String(tls['keyFile'])}`);
      }
    }
    const prom = docs.find((d) => d.kind === 'Prometheus');
    expect(prom?.spec['secrets']).toEqual(['metrics-client-certs']);
    expect(prom?.spec['serviceAccountName']).toBe('prometheus-k8s');
    for (const c of prom?.spec['scrapeClasses'] as { tlsConfig: { certFile: string; keyFile: string } }[]) certPaths.add(`${c.tlsConfig.certFile}|${c.tlsConfig.keyFile}`);
    // Every file variant points at where prometheus-operator mounts spec.secrets.
    expect([...certPaths]).toEqual(['/etc/prometheus/secrets/metrics-client-certs/tls.crt|/etc/prometheus/secrets/metrics-client-certs/tls.key']);
  });
});

describe('RBAC: exactly what each identity needs (SubjectAccessReview)', () => {
  it('no Role or ClusterRole of certscrape contains "*", rendered or as stored', async () => {
    for (const r of roles) expect(wildcards(rulesOf(r as { rules?: unknown })), objectId(r)).toEqual([]);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    const labelSelector = 'app.kubernetes.io/part-of=certscrape';
    const live = [...(await rbac.listClusterRole({ labelSelector })).items, ...(await rbac.listRoleForAllNamespaces({ labelSelector })).items];
    expect(live.length).toBe(roles.length);
    for (const r of live) expect(wildcards(r.rules ?? []), r.metadata?.name).toEqual([]);
  });

  it.each(MATRIX.map(([who, access, allow]) => [`${who} ${allow ? 'CAN' : 'cannot'} ${access.verb} ${access.path ?? [access.group, access.resource, access.subresource].filter(Boolean).join('/')}${access.namespace ? ` in ${access.namespace}` : ''}${access.name ? ` named ${access.name}` : ''}`, who, access, allow] as const))(
    '%s',
    async (_title, who, access, allow) => {
      const r = await allowed(WHO[who], access);
      expect(r.allowed, r.reason).toBe(allow);
    },
  );

  it('nobody bound by any certscrape binding can get, list or watch Secrets in kube-system', async () => {
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    const labelSelector = 'app.kubernetes.io/part-of=certscrape';
    const bindings = [...(await rbac.listClusterRoleBinding({ labelSelector })).items, ...(await rbac.listRoleBindingForAllNamespaces({ labelSelector })).items];
    expect(bindings.length).toBe(rendered.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding').length);
    const subjects = new Map<string, { user: string; groups: string[] }>();
    for (const b of bindings) {
      for (const s of b.subjects ?? []) {
        if (s.kind === 'ServiceAccount') subjects.set(`sa:${s.namespace}/${s.name}`, { user: saUser(s.name, s.namespace), groups: saGroups(s.namespace) });
        else if (s.kind === 'User') subjects.set(`user:${s.name}`, { user: s.name, groups: ['system:authenticated'] });
        else throw new Error(`unexpected subject kind ${s.kind} in ${b.metadata?.name}: groups would need their own review`);
      }
    }
    expect([...subjects.keys()].sort()).toEqual(['sa:monitoring/csr-approver', 'sa:monitoring/monitoring-operator', `user:${SCRAPER}`]);
    for (const [key, who] of subjects) {
      for (const verb of ['get', 'list', 'watch']) {
        expect((await allowed(who, secret(verb, 'kube-system'))).allowed, `${key} ${verb}`).toBe(false);
        expect((await allowed(who, secret(verb, 'kube-system', 'any-secret'))).allowed, `${key} ${verb} named`).toBe(false);
      }
    }
  });
});

describe('RBAC: real requests with each identity', () => {
  it('the approver can approve a kube-apiserver-client CSR, and kube-apiserver refuses its approval of a kubelet-serving CSR', async () => {
    const approverKc = await saKubeconfig('csr-approver');
    const client = await newCsr(admin, 'certscrape-deploy-test-client', CLIENT_SIGNER, ['digital signature', 'client auth']);
    const approved = await approve(approverKc, client.csr);
    expect(approved.status?.conditions?.map((c) => c.type)).toEqual(['Approved']);

    const serving = await newCsr(admin, 'system:node:certscrape-test', 'kubernetes.io/kubelet-serving', ['digital signature', 'server auth']);
    const err = await approve(approverKc, serving.csr).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<unknown>).code).toBe(403);
    expect(String((err as ApiException<unknown>).body)).toContain('kubernetes.io/kubelet-serving');
  });

  it('the operator can create a CSR but cannot approve it, not even its own', async () => {
    const operatorKc = await saKubeconfig('monitoring-operator');
    const own = await newCsr(operatorKc, SCRAPER, CLIENT_SIGNER, ['digital signature', 'client auth']);
    expect(own.csr.spec.username).toBe(saUser('monitoring-operator'));
    expect(await statusOf(approve(operatorKc, own.csr))).toBe(403);
  });

  it('the operator reads extension-apiserver-authentication only through a name-scoped get/list/watch', async () => {
    const operatorKc = await saKubeconfig('monitoring-operator');
    const core = operatorKc.makeApiClient(CoreV1Api);
    const name = 'extension-apiserver-authentication';
    const fieldSelector = `metadata.name=${name}`;
    const got = await core.readNamespacedConfigMap({ name, namespace: 'kube-system' });
    expect(got.data?.['client-ca-file']).toContain('BEGIN CERTIFICATE');
    const scoped = await core.listNamespacedConfigMap({ namespace: 'kube-system', fieldSelector });
    expect(scoped.items.map((i) => i.metadata?.name)).toEqual([name]);
    expect(await statusOf(core.listNamespacedConfigMap({ namespace: 'kube-system' }))).toBe(403);
    expect(await statusOf(core.listNamespacedConfigMap({ namespace: 'kube-system', fieldSelector: 'metadata.name=kube-root-ca.crt' }))).toBe(403);
    expect(await statusOf(core.listNamespacedSecret({ namespace: 'kube-system' }))).toBe(403);

    // A real watch, scoped by the field selector, is authorized and delivers the object.
    const seen = await new Promise<string>((resolve, reject) => {
      let req: { abort: () => void } | undefined;
      new Watch(operatorKc)
        .watch(
          '/api/v1/namespaces/kube-system/configmaps',
          { fieldSelector },
          (type, obj: { metadata?: { name?: string } }) => {
            resolve(`${type} ${obj.metadata?.name ?? ''}`);
            req?.abort();
          },
          (e: unknown) => (e ? reject(e instanceof Error ? e : new Error(String(e))) : undefined),
        )
        .then((r) => (req = r), reject);
    });
    expect(seen).toBe(`ADDED ${name}`);
    // ... and an unscoped one is refused.
    const unscoped = await new Promise<unknown>((resolve) => {
      new Watch(operatorKc).watch('/api/v1/namespaces/kube-system/configmaps', {}, () => resolve('event'), (e: unknown) => resolve(e)).catch(resolve);
    });
    expect(String(unscoped)).toMatch(/403|Forbidden/i);
  });

  it("the operator manages its own Secrets and cannot read, change or delete another Secret in monitoring", async () => {
    const operatorKc = await saKubeconfig('monitoring-operator');
    const core = operatorKc.makeApiClient(CoreV1Api);
    const adminCore = admin.makeApiClient(CoreV1Api);
    const other = 'certscrape-deploy-test-other';
    await statusOf(adminCore.deleteNamespacedSecret({ name: 'metrics-client-certs-pending', namespace: NS }));
    await adminCore.createNamespacedSecret({ namespace: NS, body: { metadata: { name: other }, stringData: { token: 'not-for-the-operator' } } });
    try {
      expect(await statusOf(core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'metrics-client-certs-pending' }, stringData: { 'csr-name': 'x' } } }))).toBe(200);
      const pending = await core.readNamespacedSecret({ name: 'metrics-client-certs-pending', namespace: NS });
      expect(await statusOf(core.replaceNamespacedSecret({ name: 'metrics-client-certs-pending', namespace: NS, body: { ...pending, stringData: { 'csr-name': 'y' } } }))).toBe(200);
      expect(await statusOf(core.deleteNamespacedSecret({ name: 'metrics-client-certs-pending', namespace: NS }))).toBe(403);
      expect(await statusOf(core.readNamespacedSecret({ name: other, namespace: NS }))).toBe(403);
      expect(await statusOf(core.replaceNamespacedSecret({ name: other, namespace: NS, body: { metadata: { name: other }, stringData: { token: 'x' } } }))).toBe(403);
      expect(await statusOf(core.deleteNamespacedSecret({ name: other, namespace: NS }))).toBe(403);
      expect(await statusOf(core.listNamespacedSecret({ namespace: NS }))).toBe(403);
      expect(await statusOf(core.listNamespacedSecret({ namespace: NS, fieldSelector: 'metadata.name=metrics-client-certs' }))).toBe(200);
    } finally {
      await statusOf(adminCore.deleteNamespacedSecret({ name: other, namespace: NS }));
      await statusOf(adminCore.deleteNamespacedSecret({ name: 'metrics-client-certs-pending', namespace: NS }));
    }
  });

  it("a certificate for the scraper identity gets kube-apiserver's /metrics and nothing else", async () => {
    const tls = await issueScraperCertificate();
    const metrics = await httpsGet('/metrics', tls);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('apiserver_request_total');
    for (const path of ['/api/v1/pods', '/api/v1/namespaces/monitoring/secrets/metrics-client-certs', '/metrics/slis', '/debug/pprof/', '/apis/certificates.k8s.io/v1/certificatesigningrequests']) {
      expect((await httpsGet(path, tls)).status, path).toBe(403);
    }
    // Without the certificate: not authenticated as the scraper (anonymous is 401 or 403, never 200).
    expect([401, 403]).toContain((await httpsGet('/metrics', {})).status);
  });

  it('the scraper service account token gets /metrics and cannot list pods', async () => {
    const scraperKc = await saKubeconfig('prometheus-k8s');
    const token = (scraperKc.getCurrentUser()?.token ?? '') as string;
    expect(token).not.toBe('');
    const server = new URL(info.server);
    const get = (path: string) =>
      new Promise<number>((resolve, reject) => {
        httpsRequest({ host: server.hostname, port: server.port, path, ca: readFileSync(info.caFile), headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await get('/metrics')).toBe(200);
    expect(await get('/api/v1/namespaces/monitoring/pods')).toBe(403);
  });
});

/** A free loopback port (bound and released; the tiny race is acceptable in tests). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function httpStatus(target: string): Promise<number> {
  try {
    return (await fetch(target)).status;
  } catch {
    return 0;
  }
}

/** A process started by this test (stopped by pid in `finally`). */
interface Proc {
  readonly child: ChildProcess;
  readonly output: () => string;
}

interface Running extends Proc {
  readonly health: string;
  readonly metrics: string;
}

/** Starts a built controller bin with its Deployment's args, its own service-account kubeconfig and loopback ports. */
async function startController(deployment: string, serviceAccount: string, bin: string): Promise<Running> {
  const kubeconfig = await cluster.serviceAccountKubeconfig({ namespace: NS, name: serviceAccount, out: join(work, `${serviceAccount}-run.kubeconfig`), expirationSeconds: 3600 });
  const [healthPort, metricsPort] = [await freePort(), await freePort()];
  const args = [
    ...deploymentArgs(deployment, deployment),
    // Only what differs outside a pod: the credentials file and loopback ports (later flags win).
    `--kubeconfig=${kubeconfig}`,
    `--health-probe-bind-address=127.0.0.1:${healthPort}`,
    `--metrics-bind-address=127.0.0.1:${metricsPort}`,
  ];
  let output = '';
  const child = spawn(process.execPath, [join(REPO_ROOT, bin), ...args], {
    env: { ...process.env, POD_NAME: `${deployment}-deploy-test`, KUBECONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  return { child, output: () => output, health: `http://127.0.0.1:${healthPort}`, metrics: `http://127.0.0.1:${metricsPort}` };
}

async function stop(r: Proc | undefined): Promise<void> {
  if (r === undefined || r.child.exitCode !== null || r.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => r.child.once('exit', () => resolve()));
  r.child.kill('SIGTERM');
  const timer = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

describe('the real controllers, run with exactly these permissions', () => {
  it('csr-approver and monitoring-operator, each with its own token and its Deployment args, hold their Leases, pass their probes and issue the scraper certificate — with no Forbidden along the way', async () => {
    const core = admin.makeApiClient(CoreV1Api);
    let approver: Running | undefined;
    let operator: Running | undefined;
    try {
      approver = await startController('csr-approver', 'csr-approver', BINS['csr-approver'] ?? '');
      operator = await startController('monitoring-operator', 'monitoring-operator', BINS['monitoring-operator'] ?? '');
      const procs = { approver, operator };

      const secret = await waitFor(
        'Secret monitoring/metrics-client-certs with a certificate',
        async () => {
          for (const [name, p] of Object.entries(procs)) {
            if (p.child.exitCode !== null) throw new Error(`${name} exited (${p.child.exitCode}):\n${p.output()}`);
          }
          const s = await core.readNamespacedSecret({ name: 'metrics-client-certs', namespace: NS }).catch(() => undefined);
          return s?.data?.['tls.crt'] && s.data['tls.key'] ? s : undefined;
        },
        120_000,
      );
      const cert = parseCertificate(Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8'));
      const keys = await importPrivateKeyPem(Buffer.from(secret.data?.['tls.key'] ?? '', 'base64').toString('utf8'));
      expect(cert.subject.flat().map((a) => `${a.shortName}=${a.value}`)).toEqual([`CN=${SCRAPER}`]);
      expect(await certificateMatchesKey(cert, keys)).toBe(true);

      const source = await core.readNamespacedConfigMap({ name: 'extension-apiserver-authentication', namespace: 'kube-system' });
      const mirrored = await waitFor('ConfigMap monitoring/metrics-client-ca', async () => {
        const c = await core.readNamespacedConfigMap({ name: 'metrics-client-ca', namespace: NS }).catch(() => undefined);
        return c?.data?.['client-ca.crt'] ? c : undefined;
      });
      expect(mirrored.data?.['client-ca.crt']).toBe(source.data?.['client-ca-file']);

      const leases = admin.makeApiClient(CoordinationV1Api);
      // Leader election worked through the pinned Lease rules (identity: pod name/hostname based).
      for (const name of ['certscrape-csr-approver', 'certscrape-monitoring-operator']) {
        const lease = await leases.readNamespacedLease({ name, namespace: NS });
        expect(lease.spec?.holderIdentity, name).toBeTruthy();
        expect(lease.spec?.renewTime, name).toBeDefined();
      }

      // The probe paths and the metrics port the Deployments point at.
      for (const [name, p] of Object.entries(procs)) {
        expect(await httpStatus(`${p.health}/healthz`), `${name} /healthz`).toBe(200);
        await waitFor(`${name} /readyz`, async () => ((await httpStatus(`${p.health}/readyz`)) === 200 ? true : undefined));
        expect(await httpStatus(`${p.metrics}/metrics`), `${name} /metrics`).toBe(200);
      }

      for (const [name, p] of Object.entries(procs)) expect(p.output(), `${name} was refused something by RBAC`).not.toMatch(/forbidden/i);
    } finally {
      await stop(operator);
      await stop(approver);
      for (const name of ['metrics-client-certs', 'metrics-client-certs-pending']) await statusOf(core.deleteNamespacedSecret({ name, namespace: NS }));
      await statusOf(core.deleteNamespacedConfigMap({ name: 'metrics-client-ca', namespace: NS }));
    }
  });
});

/** The flag values that are mounted files (under /etc/), moved under `root` (a pod's filesystem, recreated in a scratch dir). */
function reroot(args: readonly string[], root: string): string[] {
  return args.map((a) => {
    const m = /^(--[a-z0-9-]+=)(\/etc\/.*)$/.exec(a);
    return m ? `${m[1]}${join(root, m[2] ?? '')}` : a;
  });
}

function writeAt(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

async function startBin(bin: string, args: string[]): Promise<Proc> {
  let output = '';
  const child = spawn(process.execPath, [join(REPO_ROOT, bin), ...args], { env: { ...process.env, KUBECONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  return { child, output: () => output };
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** GET through a forward proxy (absolute-form request target), as Prometheus does with proxy_url. */
function getViaProxy(proxyPort: number, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port: proxyPort, path: target, headers: { host: new URL(target).host, ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('the example sidecars, run with their Deployment args and config', () => {
  it('Prometheus -> scraper-proxy (proxy_url) -> target-auth -> exporter works with the scraper certificate; other paths and unauthenticated clients are refused; no token reaches the exporter', async () => {
    const root = join(work, 'pod-fs');
    const core = admin.makeApiClient(CoreV1Api);
    const scraper = await issueScraperCertificate();
    const servingCa = await createTestCa({ commonName: 'example serving CA' });
    const serving = await issueTestLeaf(servingCa, {
      commonName: 'example-exporter.monitoring.svc',
      extendedKeyUsages: [EKU.serverAuth],
      subjectAltNames: [
        { type: 'dns', value: 'example-exporter.monitoring.svc' },
        { type: 'ip', value: '127.0.0.1' },
      ],
    });
    const clientCa = (await core.readNamespacedConfigMap({ name: 'extension-apiserver-authentication', namespace: 'kube-system' })).data?.['client-ca-file'] ?? '';
    const targetAuthConfig = (rendered.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'example-exporter-target-auth')?.['data'] as Record<string, string>)['config.yaml'] ?? '';
    // The files the pods mount, at the paths the Deployments give (Secret keys tls.crt/tls.key, ConfigMap keys).
    writeAt(root, '/etc/certscrape/client-cert/tls.crt', scraper.cert);
    writeAt(root, '/etc/certscrape/client-cert/tls.key', scraper.key);
    writeAt(root, '/etc/certscrape/serving-ca/ca.crt', servingCa.certPem);
    writeAt(root, '/etc/certscrape/client-ca/client-ca.crt', clientCa);
    writeAt(root, '/etc/certscrape/target-auth/config.yaml', targetAuthConfig);
    writeAt(root, '/etc/certscrape/serving-cert/tls.crt', serving.certPem);
    writeAt(root, '/etc/certscrape/serving-cert/tls.key', serving.keyPem);

    const seen: IncomingHttpHeaders[] = [];
    const exporter = createHttpServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('example_exporter_up 1\n');
    });
    await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
    const exporterPort = (exporter.address() as { port: number }).port;
    const [targetPort, proxyPort, proxyMetricsPort] = [await freePort(), await freePort(), await freePort()];

    let sidecar: Proc | undefined;
    let proxy: Proc | undefined;
    try {
      // Only what differs outside a pod: loopback ports, and the exporter's port.
      sidecar = await startBin(BINS['target-auth'] ?? '', [
        ...reroot(deploymentArgs('example-exporter', 'target-auth'), root),
        `--secure-listen-address=127.0.0.1:${targetPort}`,
        `--upstream=http://127.0.0.1:${exporterPort}/`,
      ]);
      proxy = await startBin(BINS['scraper-proxy'] ?? '', [
        ...reroot(deploymentArgs('prometheus-certscrape', 'scraper-proxy'), root),
        `--listen-address=127.0.0.1:${proxyPort}`,
        `--metrics-bind-address=127.0.0.1:${proxyMetricsPort}`,
      ]);
      const procs = { sidecar, proxy };
      await waitFor('both sidecars listening', async () => {
        for (const [name, p] of Object.entries(procs)) if (p.child.exitCode !== null) throw new Error(`${name} exited (${p.child.exitCode}):\n${p.output()}`);
        return (await tcpOpen(targetPort)) && (await httpStatus(`http://127.0.0.1:${proxyMetricsPort}/healthz`)) === 200 ? true : undefined;
      });

      const target = `http://127.0.0.1:${targetPort}`;
      const ok = await getViaProxy(proxyPort, `${target}/metrics`, { authorization: 'Bearer must-not-leak' });
      expect(ok.status, ok.body).toBe(200);
      expect(ok.body).toContain('example_exporter_up 1');
      expect(seen).toHaveLength(1);
      expect(seen[0]?.['authorization']).toBeUndefined();

      // Only /metrics is served (allow-paths + the static rule): nothing reaches the exporter.
      const other = await getViaProxy(proxyPort, `${target}/debug`);
      expect([403, 404]).toContain(other.status);
      expect(seen).toHaveLength(1);

      // A client without the certificate is not authenticated by the sidecar.
      const anonymous = await new Promise<number>((resolve) => {
        httpsRequest({ host: '127.0.0.1', port: targetPort, path: '/metrics', ca: servingCa.certPem, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', () => resolve(-1))
          .end();
      });
      expect(anonymous === 401 || anonymous === -1, `status ${anonymous}`).toBe(true);
      expect(seen).toHaveLength(1);
      expect(await httpStatus(`http://127.0.0.1:${proxyMetricsPort}/metrics`)).toBe(200);
    } finally {
      await stop(proxy);
      await stop(sidecar);
      await new Promise<void>((resolve) => exporter.close(() => resolve()));
    }
  });
});
