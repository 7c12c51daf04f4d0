// certscrape's own observability (deploy/components/monitoring): the PrometheusRule's alerts pass
// `promtool test rules` (a firing and a quiet case each), use only series the apps really export
// (the registries themselves are asked), and the ServiceMonitor — turned into a scrape config as
// prometheus-operator does — lets a real Prometheus scrape both controllers over mTLS with the
// scraper's client certificate from Secret metrics-client-certs, evaluating the rules on the way.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { Registry as PromRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { createApproverMetrics } from '@certscrape/csr-approver';
import { startHealthServer } from '@certscrape/kube-runtime';
import { freePort, waitFor } from '@certscrape/local-cluster/testing';
import { createMetrics as createOperatorMetrics } from '@certscrape/monitoring-operator';
import { createMetrics as createProxyMetrics } from '@certscrape/scraper-proxy';
import { createTargetAuthMetrics } from '@certscrape/target-auth';
import { DEPLOY_DIR, applyKustomization, renderDeploy } from './support/apply-manifests.js';
import { startControllerFromDeployment } from './support/deploy-controllers.js';
import type { RunningController } from './support/deploy-controllers.js';
import { DeployFixture, NS, statusOf } from './support/deploy-fixture.js';
import { writeAt } from './support/deploy-pod.js';
import { prometheusYaml, scrapeConfigsFromServiceMonitor } from './support/deploy-service-monitor.js';
import type { KubeObject } from './support/kustomize.js';
import { PrometheusServer } from './support/prometheus-server.js';

const MONITORING_DIR = join(DEPLOY_DIR, 'components', 'monitoring');
const withMonitoring = renderDeploy({ components: ['bare-cluster', 'monitoring'] });
const rule = withMonitoring.find((o) => o.kind === 'PrometheusRule') as KubeObject;
const serviceMonitor = withMonitoring.find((o) => o.kind === 'ServiceMonitor') as KubeObject & { spec: Record<string, unknown> };

interface Rule {
  readonly alert: string;
  readonly expr: string;
}
const groups = (rule['spec'] as { groups: { name: string; rules: Rule[] }[] }).groups;
const alerts = groups.flatMap((g) => g.rules);

/** The rules as a Prometheus rule file (what prometheus-operator mounts from the PrometheusRule). */
function writeRuleFile(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, stringify({ groups }));
  return file;
}

let fx: DeployFixture;

beforeAll(async () => {
  fx = await DeployFixture.open();
});

afterAll(async () => {
  await fx?.close();
});

describe('the PrometheusRule', () => {
  it('has the alerts docs/operations.md describes', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      'CertscrapeApproverNoLeader',
      'CertscrapeApproverNotReady',
      'CertscrapeCaBundleMirrorFailing',
      'CertscrapeCaBundleReloadFailing',
      'CertscrapeClientCertificateExpiringSoon',
      'CertscrapeClientCertificateRotationOverdue',
      'CertscrapeCsrDenied',
      'CertscrapeCsrFailed',
      'CertscrapeNoValidClientCertificate',
      'CertscrapeOperatorNotReady',
      'CertscrapeScraperNotReloadingCertificate',
      'CertscrapeScraperProxyRefusedPair',
      'CertscrapeTargetAuthRefusingClientCertificate',
    ]);
  });

  it('passes `promtool check rules` and `promtool test rules`', () => {
    const dir = join(fx.work, 'promtool');
    const rules = writeRuleFile(dir);
    copyFileSync(join(MONITORING_DIR, 'prometheus-rule.tests.yaml'), join(dir, 'prometheus-rule.tests.yaml'));
    expect(execFileSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' })).toContain(`SUCCESS: ${alerts.length} rules found`);
    // promtool exits non-zero (execFileSync throws with its report) when any expectation fails.
    const out = execFileSync('promtool', ['test', 'rules', 'prometheus-rule.tests.yaml'], { cwd: dir, encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
  });

  it('every alert is tested firing and tested quiet', () => {
    const tests = (parseYaml(readFileSync(join(MONITORING_DIR, 'prometheus-rule.tests.yaml'), 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests.flatMap((t) => t.alert_rule_test);
    for (const a of alerts) {
      const cases = tests.filter((t) => t.alertname === a.alert);
      expect(cases.some((c) => c.exp_alerts.length > 0), `${a.alert} fires somewhere`).toBe(true);
      expect(cases.some((c) => c.exp_alerts.length === 0), `${a.alert} is quiet somewhere`).toBe(true);
    }
  });

  it('uses only series the apps export, with label names those metrics have', async () => {
    // The registries the bins serve (without process metrics), plus the health server's readiness gauges.
    const registries: Registry[] = [
      createApproverMetrics(() => undefined, { defaultMetrics: false }).registry,
      createOperatorMetrics({ defaultMetrics: false }).registry,
      createProxyMetrics({ defaultMetrics: false }).registry,
      createTargetAuthMetrics().registry,
    ];
    const health = new PromRegistry();
    const server = await startHealthServer({ healthBindAddress: '0', metricsBindAddress: '0', registry: health, readyChecks: { x: () => true } });
    await server.close();
    registries.push(health);
    const exported = new Map<string, readonly string[]>();
    for (const r of registries) {
      for (const m of r.getMetricsAsArray()) exported.set((m as unknown as { name: string }).name, (m as unknown as { labelNames?: string[] }).labelNames ?? []);
    }
    const TARGET_LABELS = new Set(['namespace', 'job', 'pod', 'instance', 'service', 'endpoint']);
    for (const a of alerts) {
      const used = [...a.expr.matchAll(/\b(certscrape_[a-z0-9_]+)\s*(\{[^}]*\})?/g)];
      expect(used.length + (/\bup\{/.test(a.expr) ? 1 : 0), `${a.alert} uses a series`).toBeGreaterThan(0);
      for (const [, name, matchers] of used) {
        expect(exported.has(name ?? ''), `${a.alert}: ${name} is not exported by any app`).toBe(true);
        for (const [, label] of (matchers ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)/g)) {
          if (TARGET_LABELS.has(label ?? '')) continue;
          expect(exported.get(name ?? ''), `${a.alert}: ${name} has no label ${label}`).toContain(label);
        }
      }
      // Besides certscrape's own series, only Prometheus's `up` (and absent(up)) is used.
      const others = [...a.expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*\{/g)].map((m) => m[1]).filter((n) => !n?.startsWith('certscrape_'));
      for (const n of others) expect(n, a.alert).toBe('up');
    }
  });
});

describe('the ServiceMonitor, scraped by a real Prometheus', () => {
  it('scrapes csr-approver and monitoring-operator over mTLS with the scraper certificate (up == 1, their series present) and evaluates the rules', async () => {
    await applyKustomization(fx.admin, { components: ['bare-cluster'] });
    const core = fx.admin.makeApiClient(CoreV1Api);
    const procs: RunningController[] = [];
    let prometheus: PrometheusServer | undefined;
    try {
      procs.push(await startControllerFromDeployment(fx, withMonitoring, 'csr-approver', 'csr-approver'));
      procs.push(await startControllerFromDeployment(fx, withMonitoring, 'monitoring-operator', 'monitoring-operator'));
      const [approver, operator] = procs as [RunningController, RunningController];

      // What the cluster provides: the Secret the ServiceMonitor references and the CA volume of the controllers.
      const secret = await waitFor(
        async () => {
          for (const p of procs) p.proc.assertRunning();
          const s = await core.readNamespacedSecret({ name: 'metrics-client-certs', namespace: NS }).catch(() => undefined);
          return s?.data?.['tls.crt'] && s.data['tls.key'] ? s : undefined;
        },
        { what: 'Secret monitoring/metrics-client-certs', timeoutMs: 120_000 },
      );
      const ca = await waitFor(async () => (await core.readNamespacedConfigMap({ name: 'metrics-client-ca', namespace: NS }).catch(() => undefined))?.data?.['client-ca.crt'], {
        what: 'ConfigMap monitoring/metrics-client-ca',
        timeoutMs: 60_000,
      });
      for (const p of procs) writeAt(p.root, '/etc/certscrape/metrics-client-ca/client-ca.crt', ca);
      // prometheus-operator copies the referenced Secret keys into the Prometheus pod (tls-assets).
      const assets = join(fx.work, 'tls-assets');
      for (const key of ['tls.crt', 'tls.key']) writeAt(assets, `/metrics-client-certs/${key}`, Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8'));

      const scrapeConfigs = scrapeConfigsFromServiceMonitor(serviceMonitor, {
        namespace: NS,
        targets: {
          'https-metrics': [
            { service: 'csr-approver-metrics', address: new URL(approver.metrics).host },
            { service: 'monitoring-operator-metrics', address: new URL(operator.metrics).host },
          ],
        },
        secretFile: (name, key) => join(assets, name, key),
        configMapFile: () => {
          throw new Error('the ServiceMonitor references no ConfigMap');
        },
      });
      // The ServiceMonitor's 30s interval, shortened so the test does not wait for it.
      const configs = scrapeConfigs.map((c) => ({ ...c, scrape_interval: '1s' }));
      const dir = join(fx.work, 'prometheus');
      prometheus = await PrometheusServer.start({ dir, port: await freePort(), configYaml: prometheusYaml(configs, { ruleFiles: [writeRuleFile(join(dir, 'rules'))] }) });

      for (const job of ['csr-approver-metrics', 'monitoring-operator-metrics']) {
        await waitFor(async () => ((await prometheus!.scalar(`up{job="${job}"}`)) === 1 ? true : undefined), { what: `Prometheus scraping ${job} over mTLS (up == 1)`, timeoutMs: 60_000 });
      }
      expect(await prometheus.scalar('sum(certscrape_csr_approver_leader{job="csr-approver-metrics"})')).toBe(1);
      expect(await prometheus.scalar('max(certscrape_monitoring_operator_certificate_not_after_timestamp_seconds{job="monitoring-operator-metrics"})')).toBeGreaterThan(Date.now() / 1000);
      expect(await prometheus.scalar('min(certscrape_ready)')).toBe(1);
      // The controllers counted Prometheus's scrapes as allowed client-certificate decisions.
      await waitFor(async () => ((await prometheus!.scalar('sum(certscrape_target_auth_decisions_total{method="client-certificate",result="allowed"})')) > 0 ? true : undefined), {
        what: 'allowed client-certificate decisions scraped',
        timeoutMs: 30_000,
      });
      // The rules were loaded and evaluate on these series: none of the "not ready" alerts is pending or firing.
      const rules = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
      const loaded = rules.data.groups.flatMap((g) => g.rules);
      expect(loaded.map((r) => r.name).sort()).toEqual(alerts.map((a) => a.alert).sort());
      await waitFor(async () => ((await fetch(`${prometheus!.url}/api/v1/rules`).then((r) => r.json())) as typeof rules).data.groups.flatMap((g) => g.rules).every((r) => r.health === 'ok') || undefined, {
        what: 'every rule evaluated healthy',
        timeoutMs: 30_000,
      });
      // On a healthy install none of these is pending or firing once the first scrapes are in (the
      // absent(up) and == 0 cases may be pending for an evaluation or two while Prometheus starts).
      let prometheusAlerts: unknown;
      const unhealthy = 'ALERTS{alertname=~"CertscrapeApproverNotReady|CertscrapeOperatorNotReady|CertscrapeApproverNoLeader|CertscrapeNoValidClientCertificate|CertscrapeTargetAuthRefusingClientCertificate"}';
      await waitFor(async () => {
        const found = await prometheus!.query(unhealthy);
        prometheusAlerts = found.map((f) => f.metric);
        return found.length === 0 ? true : undefined;
      }, {
        what: 'no certscrape health alert pending or firing',
        timeoutMs: 30_000,
        onTimeout: (m) => new Error(`${m}: still ${JSON.stringify(prometheusAlerts)}`),
      });
    } finally {
      await prometheus?.stop();
      for (const p of procs.reverse()) await p.proc.stop();
      for (const name of ['metrics-client-certs', 'metrics-client-certs-pending']) await statusOf(core.deleteNamespacedSecret({ name, namespace: NS }));
      await statusOf(core.deleteNamespacedConfigMap({ name: 'metrics-client-ca', namespace: NS }));
    }
  });
});
