import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, AuthorizationV1Api, CertificatesV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1CertificateSigningRequest } from '@kubernetes/client-node';
import { localClusterFromInject, localClusterHandleFromInject, waitFor } from '@certscrape/local-cluster/testing';
import type { ClusterInfo, LocalCluster } from '@certscrape/local-cluster/testing';
import { commonNameInput, createCsr, exportPrivateKeyPem, generateKeyPair } from '@certscrape/pkcs';
import { toKubeConfig } from './apply-manifests.js';
import type { KubeObject } from './kustomize.js';
import { readResponse } from './read-response.js';

/** The namespace deploy/ installs into (its NamespaceTransformer). */
export const NS = 'monitoring';
/** The scraper identity (design.md). */
export const SCRAPER = 'system:serviceaccount:monitoring:prometheus-k8s';
export const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const saUser = (name: string, ns = NS): string => `system:serviceaccount:${ns}:${name}`;
export const saGroups = (ns = NS): string[] => ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'];

/** An access question for a SubjectAccessReview. */
export interface Access {
  readonly verb: string;
  readonly group?: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly path?: string;
}

/** HTTP status of an API call: 200 when it resolved, the ApiException's code otherwise. */
export async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof ApiException) return e.code;
    throw e;
  }
}

/**
 * The real local control plane of this vitest run, as the deploy tests use it: the admin
 * kubeconfig, service-account kubeconfigs (real tokens), CSRs issued by the real signer, and a
 * scratch directory. `close()` deletes the CSRs it created and the scratch directory.
 */
export class DeployFixture {
  readonly #createdCsrs: string[] = [];
  private constructor(
    readonly info: ClusterInfo,
    readonly cluster: LocalCluster,
    readonly admin: KubeConfig,
    readonly work: string,
  ) {}

  static async open(): Promise<DeployFixture> {
    const info = localClusterFromInject();
    return new DeployFixture(info, await localClusterHandleFromInject(), toKubeConfig(info.kubeconfig), mkdtempSync(join(tmpdir(), 'deploy-test-')));
  }

  /** A kubeconfig file holding a fresh token of ServiceAccount `namespace/name`. */
  saKubeconfigFile(name: string, namespace = NS): Promise<string> {
    return this.cluster.serviceAccountKubeconfig({ namespace, name, out: join(this.work, `${namespace}-${name}-${Date.now()}.kubeconfig`), expirationSeconds: 3600 });
  }

  async saKubeconfig(name: string, namespace = NS): Promise<KubeConfig> {
    return toKubeConfig(await this.saKubeconfigFile(name, namespace));
  }

  /** Asks kube-apiserver's authorizer (SubjectAccessReview, as admin). */
  async allowed(who: { user: string; groups: readonly string[] }, a: Access): Promise<{ allowed: boolean; reason?: string }> {
    const review = await this.admin.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
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
    return { allowed: review.status?.allowed === true, ...(review.status?.reason ? { reason: review.status.reason } : {}) };
  }

  /** Creates a CSR for `cn` as `kc` (deleted by close()). */
  async newCsr(kc: KubeConfig, cn: string, signerName: string, usages: string[]): Promise<{ csr: V1CertificateSigningRequest; keyPem: string }> {
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
    this.#createdCsrs.push(created.metadata?.name ?? '');
    return { csr: created, keyPem: await exportPrivateKeyPem(keys) };
  }

  /** Writes the Approved condition through /approval as `kc`. */
  approve(kc: KubeConfig, c: V1CertificateSigningRequest): Promise<V1CertificateSigningRequest> {
    return kc.makeApiClient(CertificatesV1Api).replaceCertificateSigningRequestApproval({
      name: c.metadata?.name ?? '',
      body: { ...c, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'DeployManifestsTest', message: 'approved by the deploy tests' }] } },
    });
  }

  /** A real scraper client certificate from the cluster's signer (CSR by admin, approved by admin). */
  async issueScraperCertificate(): Promise<{ cert: string; key: string }> {
    const { csr: c, keyPem } = await this.newCsr(this.admin, SCRAPER, CLIENT_SIGNER, ['digital signature', 'client auth']);
    await this.approve(this.admin, c);
    const certs = this.admin.makeApiClient(CertificatesV1Api);
    const cert = await waitFor(
      async () => {
        const cur = await certs.readCertificateSigningRequest({ name: c.metadata?.name ?? '' });
        return cur.status?.certificate ? Buffer.from(cur.status.certificate, 'base64').toString('utf8') : undefined;
      },
      { what: 'the scraper certificate to be issued', timeoutMs: 60_000 },
    );
    return { cert, key: keyPem };
  }

  /** GET on kube-apiserver with optional client certificate or bearer token. */
  apiserverGet(path: string, auth: { cert?: string; key?: string; token?: string }): Promise<{ status: number; body: string }> {
    const server = new URL(this.info.server);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: server.hostname,
          port: server.port,
          path,
          method: 'GET',
          ca: readFileSync(this.info.caFile),
          ...(auth.cert ? { cert: auth.cert, key: auth.key } : {}),
          ...(auth.token ? { headers: { authorization: `Bearer ${auth.token}` } } : {}),
          agent: false,
        },
        (res) => {
          readResponse(res).then(resolve, reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /**
   * Waits until Kubernetes 1.20's token controller has given every ServiceAccount among `objects`
   * its token Secret — its own write to the object — so later "unchanged" checks compare settled objects.
   */
  async settleServiceAccounts(objects: readonly KubeObject[]): Promise<void> {
    const core = this.admin.makeApiClient(CoreV1Api);
    for (const sa of objects.filter((o) => o.kind === 'ServiceAccount')) {
      await waitFor(async () => ((await core.readNamespacedServiceAccount({ name: sa.metadata.name, namespace: sa.metadata.namespace ?? NS })).secrets?.length ? true : undefined), {
        what: `token Secret of ServiceAccount ${sa.metadata.namespace}/${sa.metadata.name}`,
        timeoutMs: 60_000,
      });
    }
  }

  async close(): Promise<void> {
    const certs = this.admin.makeApiClient(CertificatesV1Api);
    for (const name of this.#createdCsrs) if (name !== '') await statusOf(certs.deleteCertificateSigningRequest({ name }));
    rmSync(this.work, { recursive: true, force: true });
  }
}
