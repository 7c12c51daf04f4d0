import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CertificatesV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1CertificateSigningRequest } from '@kubernetes/client-node';
import { applyObjects, clusterStatus, renderKustomization, upLocalCluster, type LocalCluster } from '@certscrape/local-cluster';
import { buildCsrBurst } from './approver-pure.js';
import { createCsrPolicy } from '@certscrape/identity';
import { createBenchPki, type BenchPki } from './support/pki.js';
import { freePort } from './support/free-port.js';
import { startProcess, type BenchProcess } from './support/processes.js';
import { cpuMillis, rssMiB } from './support/proc.js';
import { runLoad } from './support/load.js';
import type { Results } from './support/results.js';
import { round } from './support/stats.js';

/** Inputs of the benchmarks that need the local control plane. */
export interface ClusterBenchInputs {
  readonly repo: string;
  readonly work: string;
  readonly results: Results;
  readonly log: (line: string) => void;
  readonly quick: boolean;
}

const RBAC_KINDS = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
const SCRAPER = 'system:serviceaccount:monitoring:prometheus-k8s';

/**
 * On one local control plane: the operator's time to a valid Secret, the approver end
 * to end (create -> decision), and kube-apiserver requests per scrape for certificate
 * and token scraping — all read from kube-apiserver's own metrics or the API.
 */
export async function runClusterBenchmarks(i: ClusterBenchInputs): Promise<void> {
  const stateDir = path.join(i.work, 'cluster');
  const cluster = await upLocalCluster({ stateDir, onProgress: () => undefined });
  const stops: BenchProcess[] = [];
  try {
    const admin = cluster.info.kubeconfig;
    // Namespaces, service accounts and RBAC from the same manifests users install: the base plus
    // the bare-cluster component (this cluster has no kube-prometheus to own the namespace and the
    // scraper's ServiceAccount), through a user's overlay as kustomize requires.
    await applyObjects(admin, renderBaseWithBareCluster(i.repo, i.work), { kinds: RBAC_KINDS });
    const kubeconfigs = path.join(i.work, 'kubeconfigs');
    mkdirSync(kubeconfigs, { recursive: true });
    const saKubeconfig = (namespace: string, name: string) => cluster.serviceAccountKubeconfig({ namespace, name, out: path.join(kubeconfigs, `${namespace}-${name}.yaml`) });
    const approverKc = await saKubeconfig('monitoring', 'csr-approver');
    const operatorKc = await saKubeconfig('monitoring', 'monitoring-operator');
    const node = (app: string, bin: string) => path.join(i.repo, 'apps', app, 'bin', bin);
    const approver = await startProcess('csr-approver', process.execPath, [node('csr-approver', 'certscrape-csr-approver.js'), `--kubeconfig=${approverKc}`, '--leader-elect=false', `--metrics-bind-address=127.0.0.1:${await freePort()}`, `--health-probe-bind-address=127.0.0.1:${await freePort()}`], { readyLine: /informer|started|ready|watching/i, timeoutMs: 30_000 });
    stops.push(approver);

    // Operator: start to a valid Secret.
    const kc = new KubeConfig();
    kc.loadFromFile(admin);
    const core = kc.makeApiClient(CoreV1Api);
    const t0 = performance.now();
    const operator = await startProcess('monitoring-operator', process.execPath, [node('monitoring-operator', 'certscrape-monitoring-operator.js'), `--kubeconfig=${operatorKc}`, '--leader-elect=false', `--metrics-bind-address=127.0.0.1:${await freePort()}`, `--health-probe-bind-address=127.0.0.1:${await freePort()}`], { readyLine: /./, timeoutMs: 30_000 });
    stops.push(operator);
    let secretMs = Number.NaN;
    for (let k = 0; k < 600; k++) {
      const s = await core.readNamespacedSecret({ namespace: 'monitoring', name: 'metrics-client-certs' }).catch(() => undefined);
      if (s?.data?.['tls.crt'] && s.data['tls.key']) {
        secretMs = performance.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    i.results.add('operator.time_to_secret_ms', Math.round(secretMs), 'ms', { includes: 'process start, key generation, CSR create, approval, signing, checks, Secret write' });

    // Approver end to end: a burst of CSRs through the real API.
    const n = i.quick ? 100 : 300;
    const policy = createCsrPolicy();
    const burst = await buildCsrBurst(n, policy);
    const opKc = new KubeConfig();
    opKc.loadFromFile(operatorKc);
    const asOperator = opKc.makeApiClient(CertificatesV1Api);
    const asAdmin = kc.makeApiClient(CertificatesV1Api);
    const inScope = burst.views.filter((v) => v.signerName === policy.signerName && v.username === policy.requester.username);
    const names = inScope.map((_, k) => `bench-${Date.now().toString(36)}-${k}`);
    const created = performance.now();
    let next = 0;
    const creator = async () => {
      while (next < inScope.length) {
        const k = next++;
        const v = inScope[k]!;
        const body: V1CertificateSigningRequest = { metadata: { name: names[k]! }, spec: { signerName: v.signerName, usages: [...(v.usages ?? [])], request: Buffer.from(v.request).toString('base64') } };
        await asOperator.createCertificateSigningRequest({ body });
      }
    };
    // Out-of-scope traffic (another signer) created by the admin alongside.
    const outOfScope = burst.views.filter((v) => v.signerName !== policy.signerName).slice(0, Math.round(n / 2));
    const noise = async () => {
      for (const [k, v] of outOfScope.entries()) {
        await asAdmin.createCertificateSigningRequest({ body: { metadata: { name: `noise-${Date.now().toString(36)}-${k}` }, spec: { signerName: v.signerName, usages: [...(v.usages ?? [])], request: Buffer.from(v.request).toString('base64') } } });
      }
    };
    await Promise.all([...Array.from({ length: 8 }, creator), noise()]);
    let decided = 0;
    for (let k = 0; k < 1200 && decided < names.length; k++) {
      const list = await asAdmin.listCertificateSigningRequest();
      const wanted = new Set(names);
      decided = list.items.filter((c) => wanted.has(c.metadata?.name ?? '') && (c.status?.conditions ?? []).some((x) => x.type === 'Approved' || x.type === 'Denied')).length;
      if (decided < names.length) await new Promise((r) => setTimeout(r, 50));
    }
    const e2eSeconds = (performance.now() - created) / 1000;
    i.results.add('approver.e2e_csr_per_second', round(decided / e2eSeconds, 1), 'CSR/s', { inScope: names.length, decided, outOfScopeNoise: outOfScope.length, seconds: round(e2eSeconds, 2), approverRssMiB: round(rssMiB(approver.pid), 1), note: 'create (8 parallel clients) -> Approved/Denied condition visible; bounded by kube-apiserver on 2 shared cores' });

    // kube-apiserver requests per scrape: certificate vs token (cached and uncached) through the sidecar.
    await measureApiserverLoad(i, cluster, core, saKubeconfig, stops);
    // kube-apiserver's own CPU per 1000 scrapes: token (every one reviewed) vs certificate.
    await measureApiserverCpu(i, stateDir, admin, saKubeconfig, stops);
  } finally {
    for (const p of stops.reverse()) await p.stop().catch(() => undefined);
    await cluster.down();
  }
}

/** Sum of kube-apiserver's apiserver_request_total for tokenreviews and subjectaccessreviews, read with the admin kubeconfig. */
async function reviewRequests(kubeconfig: string): Promise<number> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const cluster = kc.getCurrentCluster()!;
  const opts: { headers: Record<string, string> } & Record<string, unknown> = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const { request } = await import('node:https');
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(`${cluster.server}/metrics`, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('apiserver_request_total{') && /resource="(tokenreviews|subjectaccessreviews)"/.test(line)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function measureApiserverLoad(
  i: ClusterBenchInputs,
  cluster: LocalCluster,
  core: CoreV1Api,
  saKubeconfig: (ns: string, name: string) => Promise<string>,
  stops: BenchProcess[],
): Promise<void> {
  const admin = cluster.info.kubeconfig;
  const kc = new KubeConfig();
  kc.loadFromFile(admin);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  // The target's own identity may review tokens (system:auth-delegator), as kube-rbac-proxy needs.
  await core.createNamespace({ body: { metadata: { name: 'bench-target' } } }).catch(() => undefined);
  const targetKc = await saKubeconfig('bench-target', 'exporter');
  await rbac.createClusterRoleBinding({ body: { metadata: { name: 'bench-target-auth-delegator' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' }, subjects: [{ kind: 'ServiceAccount', name: 'exporter', namespace: 'bench-target' }] } }).catch(() => undefined);
  await rbac.createClusterRole({ body: { metadata: { name: 'bench-metrics-reader' }, rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }] } }).catch(() => undefined);
  await rbac.createClusterRoleBinding({ body: { metadata: { name: 'bench-metrics-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'bench-metrics-reader' }, subjects: [{ kind: 'User', name: SCRAPER, apiGroup: 'rbac.authorization.k8s.io' }] } }).catch(() => undefined);

  const pki = await createBenchPki(path.join(i.work, 'pki-cluster'), SCRAPER);
  const url = await startBenchSidecar(i, pki, targetKc, 'sidecar', [], stops);
  const scrapes = i.quick ? 20 : 50;
  const tokenFor = async () => {
    const out = await saKubeconfig('monitoring', 'prometheus-k8s');
    const { readFileSync } = await import('node:fs');
    const m = /token: (\S+)/.exec(readFileSync(out, 'utf8'));
    return m![1]!;
  };
  const measure = async (label: string, headersFor: (k: number) => Promise<Record<string, string>>, cert: boolean) => {
    const before = await reviewRequests(admin);
    let ok = 0;
    for (let k = 0; k < scrapes; k++) {
      const r = await runLoad({ url, mode: 'handshake', requests: 1, concurrency: 1, maxMillis: 10_000, ca: pki.ca, ...(cert ? { cert: pki.clientCert, key: pki.clientKey } : {}), headers: await headersFor(k) });
      ok += r.ok;
    }
    const after = await reviewRequests(admin);
    return { perScrape: round((after - before) / scrapes, 3), ok, scrapes, label };
  };
  const certRun = await measure('cert', async () => ({}), true);
  const token = await tokenFor();
  const tokenCached = await measure('token (cached)', async () => ({ authorization: `Bearer ${token}` }), false);
  const tokens = await Promise.all(Array.from({ length: scrapes }, tokenFor));
  const tokenUncached = await measure('token (uncached: a fresh token per scrape)', async (k) => ({ authorization: `Bearer ${tokens[k]}` }), false);
  i.results.add('apiserver.requests_per_scrape.cert', certRun.perScrape, 'requests/scrape', certRun);
  i.results.add('apiserver.requests_per_scrape.token', tokenUncached.perScrape, 'requests/scrape', tokenUncached);
  i.results.add('apiserver.requests_per_scrape.token_cached', tokenCached.perScrape, 'requests/scrape', tokenCached);
}

/**
 * The certscrape-target-auth sidecar (static rule for the scraper, delegated token authentication with
 * `targetKubeconfig`, `extraArgs` appended) in front of a static upstream; returns the URL to scrape.
 */
async function startBenchSidecar(i: ClusterBenchInputs, pki: BenchPki, targetKubeconfig: string, name: string, extraArgs: readonly string[], stops: BenchProcess[]): Promise<URL> {
  const body = path.join(i.repo, 'bench/fixtures/node-exporter-metrics.txt');
  const upstream = await startProcess(`${name}-upstream`, process.execPath, [path.join(i.repo, 'bench/dist/servers/static-http.js'), JSON.stringify({ port: 0, bodyFile: body, certFile: '', keyFile: '' })], { readyLine: /READY (\d+)/ });
  stops.push(upstream);
  const config = path.join(i.work, `${name}.yaml`);
  writeFileSync(config, `authorization:\n  static:\n    - user:\n        name: ${JSON.stringify(SCRAPER)}\n      verb: get\n      path: /metrics\n      resourceRequest: false\n`);
  const port = await freePort();
  const sidecar = await startProcess(
    name,
    process.execPath,
    [path.join(i.repo, 'packages/target-auth/bin/certscrape-target-auth.js'), `--secure-listen-address=127.0.0.1:${port}`, `--upstream=http://127.0.0.1:${upstream.readyMatch![1]}/`, `--client-ca-file=${pki.caFile}`, `--config-file=${config}`, `--tls-cert-file=${pki.serverCertFile}`, `--tls-private-key-file=${pki.serverKeyFile}`, `--kubeconfig=${targetKubeconfig}`, ...extraArgs],
    { readyLine: /listening|serving|started/i, timeoutMs: 30_000 },
  );
  stops.push(sidecar);
  return new URL(`https://127.0.0.1:${port}/metrics`);
}

/**
 * kube-apiserver's own CPU (utime + stime from /proc/<pid>/stat) during `scrapes` scrapes of each kind through a
 * sidecar run as the e2e's token control targets run (`--delegated-cache-ttl=0`: every token scrape is a
 * TokenReview; the static rule authorizes, so no SubjectAccessReview), minus kube-apiserver's idle CPU for the
 * same duration (its rate measured right after each run, over at most 20 s); reported per 1000 scrapes with the
 * review requests counted.
 */
async function measureApiserverCpu(i: ClusterBenchInputs, stateDir: string, admin: string, saKubeconfig: (ns: string, name: string) => Promise<string>, stops: BenchProcess[]): Promise<void> {
  const pid = (await clusterStatus(stateDir)).processes?.['kube-apiserver']?.pid;
  if (pid === undefined) throw new Error(`no kube-apiserver pid recorded in ${stateDir}`);
  const pki = await createBenchPki(path.join(i.work, 'pki-apiserver-cpu'), SCRAPER);
  const url = await startBenchSidecar(i, pki, await saKubeconfig('bench-target', 'exporter'), 'sidecar-uncached', ['--delegated-cache-ttl=0'], stops);
  const { readFileSync } = await import('node:fs');
  const token = /token: (\S+)/.exec(readFileSync(await saKubeconfig('monitoring', 'prometheus-k8s'), 'utf8'))![1]!;
  const scrapes = i.quick ? 200 : 1000;
  // Prometheus scrapes over kept-alive connections: 2 in parallel, as 2 replicas would.
  const load = (cert: boolean, requests: number) =>
    runLoad({ url, mode: 'keepalive', requests, concurrency: 2, maxMillis: 300_000, ca: pki.ca, ...(cert ? { cert: pki.clientCert, key: pki.clientKey } : { headers: { authorization: `Bearer ${token}` } }) });
  const measure = async (kind: 'token' | 'cert') => {
    await load(kind === 'cert', 20); // warm-up: connections, JIT
    const reviewsBefore = await reviewRequests(admin);
    const c0 = cpuMillis(pid);
    const t0 = performance.now();
    const r = await load(kind === 'cert', scrapes);
    const ms = performance.now() - t0;
    const c1 = cpuMillis(pid);
    const reviews = (await reviewRequests(admin)) - reviewsBefore;
    // Idle rate over the same duration, at most 20 s (a rate: scaled to the run's duration).
    const idleMs = Math.min(ms, 20_000);
    await new Promise((res) => setTimeout(res, idleMs));
    const c2 = cpuMillis(pid);
    if (r.ok !== scrapes) throw new Error(`apiserver CPU, ${kind} scrapes: ${r.ok}/${scrapes} answered 200 ${JSON.stringify(r.statuses)}`);
    const busy = c1 - c0;
    const idle = round(((c2 - c1) * ms) / idleMs, 1);
    return { perThousand: round(((busy - idle) / scrapes) * 1000, 1), detail: { scrapes, seconds: round(ms / 1000, 2), apiserverCpuMs: busy, idleBaselineCpuMs: idle, idleBaselineSeconds: round(idleMs / 1000, 2), reviewRequestsPerScrape: round(reviews / scrapes, 3), tickMs: 10 } };
  };
  const tokenCpu = await measure('token');
  const certCpu = await measure('cert');
  i.results.add('apiserver.cpu_ms_per_1000_scrapes.token', tokenCpu.perThousand, 'ms kube-apiserver CPU (minus idle baseline)', { ...tokenCpu.detail, sidecar: '--delegated-cache-ttl=0' });
  i.results.add('apiserver.cpu_ms_per_1000_scrapes.cert', certCpu.perThousand, 'ms kube-apiserver CPU (minus idle baseline; goal ~0)', certCpu.detail);
  i.log(`    kube-apiserver CPU per 1000 scrapes: token ${tokenCpu.perThousand} ms, cert ${certCpu.perThousand} ms`);
}

/** The deploy/ base with components/bare-cluster, rendered from an overlay written under `work`. */
function renderBaseWithBareCluster(repo: string, work: string): ReturnType<typeof renderKustomization> {
  const dir = path.join(work, 'deploy-overlay');
  mkdirSync(dir, { recursive: true });
  const rel = (p: string) => JSON.stringify(path.relative(dir, path.join(repo, p)));
  writeFileSync(path.join(dir, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [${rel('deploy')}]\ncomponents: [${rel('deploy/components/bare-cluster')}]\n`);
  return renderKustomization(dir);
}
