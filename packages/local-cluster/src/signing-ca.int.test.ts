// A cluster of its own with a separate signing CA: the client CA bundle and the signing CA are
// replaced while it runs (the control-plane half of a signer CA rotation).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CertificatesV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { commonNameInput, createCsr, formatName, generateKeyPair, parseCertificate, parseCertificateBundle } from '@certscrape/pkcs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upLocalCluster } from './cluster.js';
import { createSigningCa } from './pki.js';
import { localClusterFromInject } from './testing/index.js';
import { waitFor } from './testing/wait-for.js';
import type { LocalCluster } from './types.js';

const SIGNER = 'kubernetes.io/kube-apiserver-client';

function api<T>(kubeconfig: string, ctor: new (...a: never[]) => T): T {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc.makeApiClient(ctor as never) as T;
}

/** CNs of the certificates kube-apiserver publishes as client-ca-file. */
async function publishedClientCas(core: CoreV1Api): Promise<string[]> {
  const cm = await core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'extension-apiserver-authentication' });
  return parseCertificateBundle(cm.data?.['client-ca-file'] ?? '').map((c) => formatName(c.subject));
}

/** Issues one approved kube-apiserver-client certificate and returns its issuer DN. */
async function issuerOfNewCertificate(certs: CertificatesV1Api, name: string): Promise<string> {
  const csr = await createCsr({ subject: commonNameInput(name), keys: await generateKeyPair() });
  await certs.createCertificateSigningRequest({ body: { metadata: { name }, spec: { request: Buffer.from(csr.pem).toString('base64'), signerName: SIGNER, usages: ['digital signature', 'client auth'] } } });
  const obj = await certs.readCertificateSigningRequest({ name });
  obj.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'IntegrationTest', message: 'signing-ca integration test', lastUpdateTime: new Date() }] };
  await certs.replaceCertificateSigningRequestApproval({ name, body: obj });
  const pem = await waitFor(async () => {
    const c = await certs.readCertificateSigningRequest({ name });
    return c.status?.certificate ? Buffer.from(c.status.certificate, 'base64').toString('utf8') : undefined;
  }, { what: `CSR ${name} issued`, timeoutMs: 60_000, intervalMs: 250 });
  return formatName(parseCertificate(pem).issuer);
}

describe('a cluster with a separate signing CA, rotated while it runs', () => {
  let dir: string;
  let own: LocalCluster | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lc-signer-'));
  });
  afterAll(async () => {
    await own?.down();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes cluster CA + signer in extension-apiserver-authentication, follows a rewritten --client-ca-file without a restart, and signs with a new CA after setSigningCa', async () => {
    const shared = localClusterFromInject();
    own = await upLocalCluster({ stateDir: dir, binDir: shared.binDir, separateSigningCa: true });
    const core = api(own.info.kubeconfig, CoreV1Api);
    const certs = api(own.info.kubeconfig, CertificatesV1Api);
    const clusterCa = parseCertificateBundle(own.clientCaBundle())[0]!;
    const oldSigner = parseCertificateBundle(own.clientCaBundle())[1]!;
    expect(formatName(oldSigner.subject)).toBe('CN=certscrape-local-cluster-signer');
    await waitFor(async () => ((await publishedClientCas(core)).length === 2 ? true : undefined), { what: 'client-ca-file published', timeoutMs: 60_000 });
    expect(await publishedClientCas(core)).toEqual(['CN=certscrape-local-cluster-ca', 'CN=certscrape-local-cluster-signer']);
    expect(await issuerOfNewCertificate(certs, 'signer-before')).toBe('CN=certscrape-local-cluster-signer');

    // 1. The new CA joins the bundle: kube-apiserver reloads the file and republishes it.
    const next = await createSigningCa({ commonName: 'certscrape-local-cluster-signer-2', now: new Date() });
    await own.setClientCaBundle([clusterCa.pem, oldSigner.pem, next.certPem]);
    await waitFor(async () => ((await publishedClientCas(core)).length === 3 ? true : undefined), { what: 'the three-CA bundle in extension-apiserver-authentication', timeoutMs: 120_000, intervalMs: 500 });
    expect(await publishedClientCas(core)).toEqual(['CN=certscrape-local-cluster-ca', 'CN=certscrape-local-cluster-signer', 'CN=certscrape-local-cluster-signer-2']);

    // 2. kube-controller-manager signs with the new CA.
    await own.setSigningCa(next);
    expect(await issuerOfNewCertificate(certs, 'signer-after')).toBe('CN=certscrape-local-cluster-signer-2');

    // 3. The old CA leaves the file: kube-apiserver stops accepting it, but only ever adds to what it publishes.
    await own.setClientCaBundle([clusterCa.pem, next.certPem]);
    await sleep(75_000); // longer than kube-apiserver's file re-read period (1 min)
    expect(await publishedClientCas(core)).toHaveLength(3);
    await own.republishClientCaBundle();
    expect(await publishedClientCas(core)).toEqual(['CN=certscrape-local-cluster-ca', 'CN=certscrape-local-cluster-signer-2']);
  }, 600_000);
});
