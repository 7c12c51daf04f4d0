// deploy/'s RBAC against the real local control plane (kube-apiserver 1.20): every identity
// certscrape creates can do exactly what it needs — proved with a matrix of SubjectAccessReviews
// (what each identity must and must not do) and with real requests made with each service
// account's token and with a real scraper certificate.
import { join } from 'node:path';
import { ApiException, CoreV1Api, RbacAuthorizationV1Api, Watch } from '@kubernetes/client-node';
import type { V1PolicyRule } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyObjects, forServer, renderDeploy } from './support/apply-manifests.js';
import { CLIENT_SIGNER, DeployFixture, NS, SCRAPER, saGroups, saUser, statusOf } from './support/deploy-fixture.js';
import type { Access } from './support/deploy-fixture.js';
import { objectId, type KubeObject } from './support/kustomize.js';
import { waitFor } from '@certscrape/local-cluster/testing';
import { parseCertificate } from '@certscrape/pkcs';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { startControllerFromDeployment } from './support/deploy-controllers.js';
import type { RunningController } from './support/deploy-controllers.js';
import { writeAt } from './support/deploy-pod.js';
import { parseIdentitySetText } from '@certscrape/kube-runtime';

/** The base, on a bare cluster (components/bare-cluster: the Namespace and prometheus-k8s), and the example exporter's identity. */
const base = renderDeploy({ components: ['bare-cluster'], samples: ['example-exporter'] });
/**
 * With components/user-workload (a second identity in its own namespace): only its identity, RBAC and
 * configuration objects are applied here — its Deployment patches are the deploy-controllers suite's.
 */
const withUserWorkload = renderDeploy({ components: ['bare-cluster', 'user-workload'], samples: ['example-exporter'] });
const UW = 'monitoring-user-workload';
const componentObjects = withUserWorkload.filter((o) => !base.some((b) => objectId(b) === objectId(o)));
const rendered: KubeObject[] = [...base, ...componentObjects];
const roles = rendered.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
/** The identities file the component gives operator and approver (`--identities-file`). */
const identitiesConfigMap = withUserWorkload.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'certscrape-identities')!;
const identities = parseIdentitySetText((identitiesConfigMap['data'] as Record<string, string>)['identities.yaml']!, 'components/user-workload/identities.yaml').identities;
const UW_SCRAPER = 'system:serviceaccount:monitoring-user-workload:prometheus-user-workload';

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
  /** components/user-workload's scraper, with its certificate and with its token. */
  uwScraperCert: { user: UW_SCRAPER, groups: ['system:authenticated'] },
  uwScraperToken: { user: UW_SCRAPER, groups: saGroups(UW) },
} as const;
type Who = keyof typeof WHO;

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
  // monitoring-operator in the user-workload namespace (components/user-workload): that identity's objects, by name.
  ['operator', secret('create', UW), true],
  ['operator', secret('get', UW, 'metrics-client-certs'), true],
  ['operator', secret('watch', UW, 'metrics-client-certs'), true],
  ['operator', secret('update', UW, 'metrics-client-certs'), true],
  ['operator', secret('delete', UW, 'metrics-client-certs'), false],
  ['operator', secret('get', UW, 'metrics-client-certs-pending'), true],
  ['operator', secret('update', UW, 'metrics-client-certs-pending'), true],
  ['operator', secret('list', UW, 'metrics-client-certs-pending'), false],
  ['operator', secret('get', UW, 'someone-elses-secret'), false],
  ['operator', secret('list', UW), false],
  ['operator', secret('watch', UW), false],
  ['operator', cm('get', UW, 'metrics-client-ca'), true],
  ['operator', cm('update', UW, 'metrics-client-ca'), true],
  ['operator', cm('get', UW, 'certscrape-monitoring-operator-identities'), false],
  ['operator', cm('list', UW), false],
  ['operator', { verb: 'create', resource: 'events', namespace: UW }, true],
  ['operator', { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: UW }, false],
  // ...and its record of managed identities in its own namespace (get/update by name only).
  ['operator', cm('get', NS, 'certscrape-monitoring-operator-identities'), true],
  ['operator', cm('update', NS, 'certscrape-monitoring-operator-identities'), true],
  ['operator', cm('delete', NS, 'certscrape-monitoring-operator-identities'), false],
  ['operator', cm('get', NS, 'certscrape-identities'), false],
  // the user-workload scraper: no API access at all (its targets authorize it themselves).
  ['uwScraperCert', url('get', '/metrics'), false],
  ['uwScraperCert', secret('get', UW, 'metrics-client-certs'), false],
  ['uwScraperCert', secret('get', NS, 'metrics-client-certs'), false],
  ['uwScraperToken', secret('get', UW, 'metrics-client-certs'), false],
  ['uwScraperToken', { verb: 'list', resource: 'pods', namespace: UW }, false],
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

let fx: DeployFixture;
const allowed = (who: { user: string; groups: readonly string[] }, a: Access) => fx.allowed(who, a);

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
  fx = await DeployFixture.open();
  await applyObjects(fx.admin, await forServer(fx.admin, rendered));
});

afterAll(async () => {
  // The component's grants leave with its namespace (the shared cluster's other deploy suites count certscrape's Roles).
  const rbac = fx?.admin.makeApiClient(RbacAuthorizationV1Api);
  if (rbac) {
    await statusOf(rbac.deleteNamespacedRoleBinding({ name: 'certscrape-monitoring-operator', namespace: UW }));
    await statusOf(rbac.deleteNamespacedRole({ name: 'certscrape-monitoring-operator', namespace: UW }));
    await statusOf(fx.admin.makeApiClient(CoreV1Api).deleteNamespacedConfigMap({ name: 'certscrape-identities', namespace: NS }));
    await statusOf(fx.admin.makeApiClient(CoreV1Api).deleteNamespace({ name: UW }));
  }
  await fx?.close();
});

describe('RBAC: exactly what each identity needs (SubjectAccessReview)', () => {
  it('no Role or ClusterRole of certscrape contains "*", rendered or as stored', async () => {
    for (const r of roles) expect(wildcards(rulesOf(r as { rules?: unknown })), objectId(r)).toEqual([]);
    const rbac = fx.admin.makeApiClient(RbacAuthorizationV1Api);
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
    const rbac = fx.admin.makeApiClient(RbacAuthorizationV1Api);
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

describe('RBAC of components/user-workload: exactly the listed Secrets, per namespace', () => {
  it('the base alone grants the operator nothing outside its own namespace but the client CA source and CSRs', () => {
    const namespaces = base.filter((o) => (o.kind === 'Role' || o.kind === 'RoleBinding') && o.metadata.labels?.['app.kubernetes.io/name'] === 'monitoring-operator').map((o) => o.metadata.namespace);
    expect([...new Set(namespaces)].sort()).toEqual(['kube-system', NS]);
  });

  it("the operator's Roles name exactly the objects of the identities listed for each namespace", () => {
    const operatorRoles = rendered.filter((o) => o.kind === 'Role' && o.metadata.labels?.['app.kubernetes.io/name'] === 'monitoring-operator' && o.metadata.namespace !== 'kube-system');
    const pinned = (namespace: string, resource: string) =>
      rulesOf(operatorRoles.find((r) => r.metadata.namespace === namespace) as { rules?: unknown })
        .filter((r) => r.resources?.includes(resource) && r.resourceNames)
        .flatMap((r) => r.resourceNames!)
        .sort();
    // One Role per namespace an identity lives in, nothing else.
    expect(operatorRoles.map((r) => r.metadata.namespace).sort()).toEqual([...new Set(identities.map((i) => i.secret.namespace))].sort());
    for (const namespace of new Set(identities.map((i) => i.secret.namespace))) {
      const here = identities.filter((i) => i.secret.namespace === namespace);
      expect(pinned(namespace, 'secrets'), namespace).toEqual(here.flatMap((i) => [i.secret.name, i.pendingSecret.name]).sort());
      const mirrors = identities.filter((i) => i.caConfigMap?.namespace === namespace).map((i) => i.caConfigMap!.name);
      // The operator's own namespace also holds its record of managed identities.
      const record = namespace === NS ? ['certscrape-monitoring-operator-identities'] : [];
      expect(pinned(namespace, 'configmaps'), namespace).toEqual([...mirrors, ...record].sort());
    }
    expect(identities.map((i) => i.username)).toEqual([SCRAPER, UW_SCRAPER]);
  });

  it('operator and approver are given the same identities file, and the operator none of the single-identity flags', () => {
    for (const name of ['monitoring-operator', 'csr-approver']) {
      const d = withUserWorkload.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;
      const pod = (d['spec'] as { template: { spec: { containers: { args: string[]; volumeMounts: { name: string; mountPath: string }[] }[]; volumes: { name: string; configMap?: { name: string; optional?: boolean } }[] } } }).template.spec;
      const args = pod.containers[0]!.args;
      expect(args, name).toContain('--identities-file=/etc/certscrape/identities/identities.yaml');
      for (const flag of ['--scraper-identity', '--secret-name', '--state-secret-name', '--ca-configmap-name', '--expiration-seconds']) expect(args.some((a) => a.startsWith(`${flag}=`)), `${name} ${flag}`).toBe(false);
      expect(pod.containers[0]!.volumeMounts).toContainEqual(expect.objectContaining({ name: 'identities', mountPath: '/etc/certscrape/identities' }));
      // Not optional: without the file the pod does not start.
      expect(pod.volumes.find((v) => v.name === 'identities')?.configMap).toEqual({ name: 'certscrape-identities' });
    }
  });

  it('with its token, the operator reads and writes the user-workload Secret pair, and nothing else there', async () => {
    const core = (await fx.saKubeconfig('monitoring-operator')).makeApiClient(CoreV1Api);
    const adminCore = fx.admin.makeApiClient(CoreV1Api);
    const other = 'certscrape-deploy-test-tenant-secret';
    await adminCore.createNamespacedSecret({ namespace: UW, body: { metadata: { name: other }, stringData: { token: 'not-for-the-operator' } } });
    try {
      expect(await statusOf(core.createNamespacedSecret({ namespace: UW, body: { metadata: { name: 'metrics-client-certs-pending' }, stringData: { x: 'y' } } }))).toBe(200);
      const pending = await core.readNamespacedSecret({ name: 'metrics-client-certs-pending', namespace: UW });
      expect(await statusOf(core.replaceNamespacedSecret({ name: 'metrics-client-certs-pending', namespace: UW, body: { ...pending, stringData: { x: 'z' } } }))).toBe(200);
      expect(await statusOf(core.listNamespacedSecret({ namespace: UW, fieldSelector: 'metadata.name=metrics-client-certs' }))).toBe(200);
      expect(await statusOf(core.readNamespacedSecret({ name: other, namespace: UW }))).toBe(403);
      expect(await statusOf(core.listNamespacedSecret({ namespace: UW }))).toBe(403);
      expect(await statusOf(core.deleteNamespacedSecret({ name: 'metrics-client-certs-pending', namespace: UW }))).toBe(403);
    } finally {
      await statusOf(adminCore.deleteNamespacedSecret({ name: other, namespace: UW }));
      await statusOf(adminCore.deleteNamespacedSecret({ name: 'metrics-client-certs-pending', namespace: UW }));
    }
  });
});

describe('components/user-workload with the real controllers', () => {
  it('operator and approver, run with its Deployment args and these grants only, issue both identities into their own Secrets with no Forbidden', async () => {
    const core = fx.admin.makeApiClient(CoreV1Api);
    const file = (identitiesConfigMap['data'] as Record<string, string>)['identities.yaml']!;
    const running: RunningController[] = [];
    try {
      for (const [deployment, sa] of [['csr-approver', 'csr-approver'], ['monitoring-operator', 'monitoring-operator']] as const) {
        // The kubelet mounts the ConfigMap before the container starts (the volume is not optional).
        writeAt(join(fx.work, `${deployment}-pod`), '/etc/certscrape/identities/identities.yaml', file);
        running.push(await startControllerFromDeployment(fx, withUserWorkload, deployment, sa));
      }
      for (const id of identities) {
        const secret = await waitFor(
          async () => {
            for (const r of running) r.proc.assertRunning();
            const got = await core.readNamespacedSecret({ name: id.secret.name, namespace: id.secret.namespace }).catch(() => undefined);
            return got?.data?.['tls.crt'] ? got : undefined;
          },
          { what: `Secret ${id.secret.namespace}/${id.secret.name} with a certificate`, timeoutMs: 120_000 },
        );
        const cert = parseCertificate(Buffer.from(secret.data!['tls.crt']!, 'base64').toString('utf8'));
        expect(cert.subject.flat().map((a) => `${a.shortName}=${a.value}`), id.username).toEqual([`CN=${id.username}`]);
        expect(secret.metadata?.annotations?.['certscrape.io/identity']).toBe(id.username);
      }
      for (const r of running) expect(r.proc.tail(400), `${r.proc.spec.name} was refused something by RBAC`).not.toMatch(/forbidden/i);
    } finally {
      for (const r of running.reverse()) await r.proc.stop();
      for (const id of identities) for (const name of [id.secret.name, id.pendingSecret.name]) await statusOf(core.deleteNamespacedSecret({ name, namespace: id.secret.namespace }));
      for (const id of identities) if (id.caConfigMap) await statusOf(core.deleteNamespacedConfigMap({ name: id.caConfigMap.name, namespace: id.caConfigMap.namespace }));
      await statusOf(core.deleteNamespacedConfigMap({ name: 'certscrape-monitoring-operator-identities', namespace: NS }));
      const leases = fx.admin.makeApiClient(CoordinationV1Api);
      for (const name of ['certscrape-csr-approver', 'certscrape-monitoring-operator']) await statusOf(leases.deleteNamespacedLease({ name, namespace: NS }));
    }
  }, 240_000);
});

describe('RBAC: real requests with each identity', () => {
  it('the approver can approve a kube-apiserver-client CSR, and kube-apiserver refuses its approval of a kubelet-serving CSR', async () => {
    const approverKc = await fx.saKubeconfig('csr-approver');
    const client = await fx.newCsr(fx.admin, 'certscrape-deploy-test-client', CLIENT_SIGNER, ['digital signature', 'client auth']);
    const approved = await fx.approve(approverKc, client.csr);
    expect(approved.status?.conditions?.map((c) => c.type)).toEqual(['Approved']);

    const serving = await fx.newCsr(fx.admin, 'system:node:certscrape-test', 'kubernetes.io/kubelet-serving', ['digital signature', 'server auth']);
    const err = await fx.approve(approverKc, serving.csr).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<unknown>).code).toBe(403);
    expect(String((err as ApiException<unknown>).body)).toContain('kubernetes.io/kubelet-serving');
  });

  it('the operator can create a CSR but cannot approve it, not even its own', async () => {
    const operatorKc = await fx.saKubeconfig('monitoring-operator');
    const own = await fx.newCsr(operatorKc, SCRAPER, CLIENT_SIGNER, ['digital signature', 'client auth']);
    expect(own.csr.spec.username).toBe(saUser('monitoring-operator'));
    expect(await statusOf(fx.approve(operatorKc, own.csr))).toBe(403);
  });

  it('the operator reads extension-apiserver-authentication only through a name-scoped get/list/watch', async () => {
    const operatorKc = await fx.saKubeconfig('monitoring-operator');
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
    const operatorKc = await fx.saKubeconfig('monitoring-operator');
    const core = operatorKc.makeApiClient(CoreV1Api);
    const adminCore = fx.admin.makeApiClient(CoreV1Api);
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
    const tls = await fx.issueScraperCertificate();
    const metrics = await fx.apiserverGet('/metrics', tls);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('apiserver_request_total');
    for (const path of ['/api/v1/pods', '/api/v1/namespaces/monitoring/secrets/metrics-client-certs', '/metrics/slis', '/debug/pprof/', '/apis/certificates.k8s.io/v1/certificatesigningrequests']) {
      expect((await fx.apiserverGet(path, tls)).status, path).toBe(403);
    }
    // Without the certificate: not authenticated as the scraper (anonymous is 401 or 403, never 200).
    expect([401, 403]).toContain((await fx.apiserverGet('/metrics', {})).status);
  });

  it('the scraper service account token gets /metrics and cannot list pods', async () => {
    const scraperKc = await fx.saKubeconfig('prometheus-k8s');
    const token = (scraperKc.getCurrentUser()?.token ?? '') as string;
    expect(token).not.toBe('');
    const get = async (path: string) => (await fx.apiserverGet(path, { token })).status;
    expect(await get('/metrics')).toBe(200);
    expect(await get('/api/v1/namespaces/monitoring/pods')).toBe(403);
  });
});

