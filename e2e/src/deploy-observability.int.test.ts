// certscrape's own observability (deploy/components/monitoring): the PrometheusRule's alerts pass
// `promtool test rules` (a firing and a quiet case each), use only series the apps really export
// (read from the running bins' own /metrics, with the labels the alerts match on), and the ServiceMonitor — turned into a scrape config as
// prometheus-operator does — lets a real Prometheus scrape both controllers over mTLS with the
// scraper's client certificate from Secret metrics-client-certs, evaluating the rules on the way.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { SupervisedProcess, freePort, freePorts, waitFor } from '@certscrape/local-cluster/testing';
import { DEPLOY_DIR, applyKustomization, renderDeploy } from './support/apply-manifests.js';
import { scrapeHttps, startControllerFromDeployment } from './support/deploy-controllers.js';
import type { RunningController } from './support/deploy-controllers.js';
import { DeployFixture, NS, statusOf } from './support/deploy-fixture.js';
import { BINS, REPO_ROOT, writeAt } from './support/deploy-pod.js';
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
      'CertscrapeIssuanceStalled',
      'CertscrapeNoValidClientCertificate',
      'CertscrapeOperatorNotReady',
      'CertscrapeScraperNotReloadingCertificate',
      'CertscrapeScraperProxyRefusedPair',
      'CertscrapeSignerRotationPending',
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
});

/** Metric names (from `# TYPE` lines and samples) and the label names seen on each, in Prometheus text expositions. */
function exportedSeries(expositions: readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (name: string) => out.get(name) ?? out.set(name, new Set()).get(name)!;
  for (const text of expositions) {
    for (const line of text.split('\n')) {
      const type = /^# TYPE (\S+) /.exec(line);
      if (type?.[1]) {
        add(type[1]);
        continue;
      }
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? /.exec(line);
      if (!sample?.[1]) continue;
      const labels = add(sample[1].replace(/_(bucket|sum|count)$/, ''));
      for (const [, l] of (sample[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(l ?? '');
    }
  }
  return out;
}

/** Every `certscrape_*` series an alert uses is exported, with every label it matches on (target labels aside); otherwise only Prometheus's `up`. */
function expectAlertSeriesExported(expositions: readonly string[]): void {
  const exported = exportedSeries(expositions);
  const TARGET_LABELS = new Set(['namespace', 'job', 'pod', 'instance', 'service', 'endpoint']);
  for (const a of alerts) {
    const used = [...a.expr.matchAll(/\b(certscrape_[a-z0-9_]+)\s*(\{[^}]*\})?/g)];
    expect(used.length, `${a.alert} uses a certscrape series`).toBeGreaterThan(0);
    for (const [, name, matchers] of used) {
      expect(exported.has(name ?? ''), `${a.alert}: ${name} is not exported by the running bins`).toBe(true);
      for (const [, label] of (matchers ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)/g)) {
        if (TARGET_LABELS.has(label ?? '')) continue;
        expect([...(exported.get(name ?? '') ?? [])], `${a.alert}: ${name} has no label ${label}`).toContain(label);
      }
    }
    const others = [...a.expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*\{/g)].map((m) => m[1]).filter((n) => !n?.startsWith('certscrape_'));
    for (const n of others) expect(n, a.alert).toBe('up');
  }
}

describe('the ServiceMonitor, scraped by a real Prometheus', () => {
  it('scrapes csr-approver and monitoring-operator over mTLS with the scraper certificate (up == 1, their series present), evaluates the rules, and every series an alert uses is one the running bins export', async () => {
    await applyKustomization(fx.admin, { components: ['bare-cluster'] });
    const core = fx.admin.makeApiClient(CoreV1Api);
    const procs: RunningController[] = [];
    let prometheus: PrometheusServer | undefined;
    let proxy: SupervisedProcess | undefined;
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

      // What the running bins export: both controllers (their own series, target-auth's, certscrape_ready)
      // and a scraper-proxy presenting the same certificate.
      const client = { cert: Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8'), key: Buffer.from(secret.data?.['tls.key'] ?? '', 'base64').toString('utf8') };
      const expositions: string[] = [];
      for (const p of procs) {
        expositions.push(
          await waitFor(
            async () => {
              const r = await scrapeHttps(`${p.metrics}/metrics`, client);
              return r.status === 200 ? r.body : undefined;
            },
            { what: `${p.proc.spec.name} /metrics with the scraper certificate`, timeoutMs: 30_000 },
          ),
        );
      }
      const [proxyPort, proxyMetricsPort] = (await freePorts(2)) as [number, number];
      proxy = new SupervisedProcess({
        name: 'scraper-proxy',
        command: process.execPath,
        args: [join(REPO_ROOT, BINS['scraper-proxy'] ?? ''), `--cert-file=${join(assets, 'metrics-client-certs', 'tls.crt')}`, `--key-file=${join(assets, 'metrics-client-certs', 'tls.key')}`, '--insecure-skip-upstream-verify', `--listen-address=127.0.0.1:${proxyPort}`, `--metrics-bind-address=127.0.0.1:${proxyMetricsPort}`],
        env: { KUBECONFIG: '' },
      });
      expositions.push(
        await waitFor(
          async () => {
            proxy!.assertRunning();
            const r = await fetch(`http://127.0.0.1:${proxyMetricsPort}/metrics`).catch(() => undefined);
            return r?.ok ? r.text() : undefined;
          },
          { what: 'scraper-proxy /metrics', timeoutMs: 30_000 },
        ),
      );
      expectAlertSeriesExported(expositions);

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
      await proxy?.stop();
      for (const p of procs.reverse()) await p.proc.stop();
      for (const name of ['metrics-client-certs', 'metrics-client-certs-pending']) await statusOf(core.deleteNamespacedSecret({ name, namespace: NS }));
      await statusOf(core.deleteNamespacedConfigMap({ name: 'metrics-client-ca', namespace: NS }));
    }
  });
});
