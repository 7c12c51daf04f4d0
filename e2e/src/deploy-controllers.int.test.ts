// The real controllers, run exactly as their Deployments run them — the args as the kubelet
// expands them ($(POD_NAMESPACE)), each with its own service-account token — against the real
// local control plane: they hold their Leases, pass their probes, issue the scraper certificate
// without one Forbidden, and serve their own /metrics over HTTPS to that certificate only
// (certscrape's target-auth), the client CA arriving after start as the optional ConfigMap volume does.
import { CertificatesV1Api, CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@certscrape/local-cluster/testing';
import { certificateMatchesKey, importPrivateKeyPem, parseCertificate } from '@certscrape/pkcs';
import { applyKustomization, renderDeploy } from './support/apply-manifests.js';
import { CLIENT_SIGNER, DeployFixture, NS, SCRAPER, statusOf } from './support/deploy-fixture.js';
import { startControllerFromDeployment, scrapeHttps as scrape } from './support/deploy-controllers.js';
import type { RunningController as Running } from './support/deploy-controllers.js';
import { writeAt } from './support/deploy-pod.js';

const rendered = renderDeploy({ components: ['bare-cluster'] });

let fx: DeployFixture;

beforeAll(async () => {
  fx = await DeployFixture.open();
  await applyKustomization(fx.admin, { components: ['bare-cluster'] });
});

afterAll(async () => {
  await fx?.close();
});

async function httpStatus(target: string): Promise<number> {
  try {
    return (await fetch(target)).status;
  } catch {
    return 0;
  }
}

describe('the real controllers, run with exactly these permissions and args', () => {
  it('csr-approver and monitoring-operator hold their Leases, pass their probes, issue the scraper certificate with no Forbidden, and serve /metrics over mTLS to that certificate only', async () => {
    const core = fx.admin.makeApiClient(CoreV1Api);
    let approver: Running | undefined;
    let operator: Running | undefined;
    try {
      approver = await startControllerFromDeployment(fx, rendered, 'csr-approver', 'csr-approver');
      operator = await startControllerFromDeployment(fx, rendered, 'monitoring-operator', 'monitoring-operator');
      const procs = { approver, operator };

      const secret = await waitFor(
        async () => {
          for (const p of Object.values(procs)) p.proc.assertRunning();
          const s = await core.readNamespacedSecret({ name: 'metrics-client-certs', namespace: NS }).catch(() => undefined);
          return s?.data?.['tls.crt'] && s.data['tls.key'] ? s : undefined;
        },
        { what: 'Secret monitoring/metrics-client-certs with a certificate', timeoutMs: 120_000 },
      );
      const client = { cert: Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8'), key: Buffer.from(secret.data?.['tls.key'] ?? '', 'base64').toString('utf8') };
      const cert = parseCertificate(client.cert);
      expect(cert.subject.flat().map((a) => `${a.shortName}=${a.value}`)).toEqual([`CN=${SCRAPER}`]);
      expect(await certificateMatchesKey(cert, await importPrivateKeyPem(client.key))).toBe(true);

      const source = await core.readNamespacedConfigMap({ name: 'extension-apiserver-authentication', namespace: 'kube-system' });
      const mirrored = await waitFor(
        async () => {
          const c = await core.readNamespacedConfigMap({ name: 'metrics-client-ca', namespace: NS }).catch(() => undefined);
          return c?.data?.['client-ca.crt'] ? c : undefined;
        },
        { what: 'ConfigMap monitoring/metrics-client-ca', timeoutMs: 60_000 },
      );
      expect(mirrored.data?.['client-ca.crt']).toBe(source.data?.['client-ca-file']);

      // Leader election worked through the pinned Lease rules ($(POD_NAMESPACE) = monitoring).
      const leases = fx.admin.makeApiClient(CoordinationV1Api);
      for (const name of ['certscrape-csr-approver', 'certscrape-monitoring-operator']) {
        const lease = await leases.readNamespacedLease({ name, namespace: NS });
        expect(lease.spec?.holderIdentity, name).toBeTruthy();
        expect(lease.spec?.renewTime, name).toBeDefined();
      }

      // Before the client CA volume has content, /metrics refuses even the right certificate.
      for (const p of Object.values(procs)) expect((await scrape(`${p.metrics}/metrics`, client)).status).toBe(401);
      // The kubelet delivers the optional ConfigMap volume: the bundle at the mounted path.
      for (const p of Object.values(procs)) writeAt(p.root, '/etc/certscrape/metrics-client-ca/client-ca.crt', mirrored.data?.['client-ca.crt'] ?? '');

      const stranger = await fx.newCsr(fx.admin, 'system:serviceaccount:default:someone-else', CLIENT_SIGNER, ['digital signature', 'client auth']);
      await fx.approve(fx.admin, stranger.csr);
      const strangerCert = await waitFor(
        async () => {
          const cur = await fx.admin.makeApiClient(CertificatesV1Api).readCertificateSigningRequest({ name: stranger.csr.metadata?.name ?? '' });
          return cur.status?.certificate ? Buffer.from(cur.status.certificate, 'base64').toString('utf8') : undefined;
        },
        { what: 'a certificate for another identity', timeoutMs: 60_000 },
      );

      for (const [name, p] of Object.entries(procs)) {
        // Probes: plain HTTP, as the kubelet calls them.
        expect(await httpStatus(`${p.health}/healthz`), `${name} /healthz`).toBe(200);
        await waitFor(async () => ((await httpStatus(`${p.health}/readyz`)) === 200 ? true : undefined), { what: `${name} /readyz`, timeoutMs: 60_000 });
        // /metrics: HTTPS, the scraper's certificate only.
        const ok = await waitFor(
          async () => {
            const r = await scrape(`${p.metrics}/metrics`, client);
            return r.status === 200 ? r : undefined;
          },
          { what: `${name} /metrics to accept the scraper certificate`, timeoutMs: 30_000 },
        );
        expect(ok.body, name).toContain(name === 'approver' ? 'certscrape_csr_approver_leader' : 'certscrape_monitoring_operator_certificate_not_after_timestamp_seconds');
        expect(ok.body, name).toContain('certscrape_ready 1');
        expect((await scrape(`${p.metrics}/metrics`)).status, `${name} without a certificate`).toBe(401);
        expect((await scrape(`${p.metrics}/metrics`, { cert: strangerCert, key: stranger.keyPem })).status, `${name} with another identity's certificate`).toBe(403);
        expect(await httpStatus(`http://${new URL(p.metrics).host}/metrics`), `${name} answers no plain HTTP on the metrics port`).not.toBe(200);
      }

      for (const [name, p] of Object.entries(procs)) expect(p.proc.tail(400), `${name} was refused something by RBAC`).not.toMatch(/forbidden/i);
    } finally {
      await operator?.proc.stop();
      await approver?.proc.stop();
      for (const name of ['metrics-client-certs', 'metrics-client-certs-pending']) await statusOf(core.deleteNamespacedSecret({ name, namespace: NS }));
      await statusOf(core.deleteNamespacedConfigMap({ name: 'metrics-client-ca', namespace: NS }));
    }
  });
});
