// `npm run bench`: every benchmark side by side in one run, a table on stdout and
// bench/results/latest.json. Not part of `npm test`.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCsrPolicy } from '@certscrape/identity';
import { buildCsrBurst, measureEvaluation } from './approver-pure.js';
import { runClusterBenchmarks } from './cluster-benchmarks.js';
import { measureHostileChain } from './hostile-chain.js';
import { startNginxProxy } from './nginx-proxy.js';
import { measureProxy } from './proxy.js';
import { measureServe, type Profile } from './serve.js';
import { measureSidecarMemory } from './sidecar-memory.js';
import {
  startGoExporterToolkit,
  startNginx,
  startNodeMtlsNaive,
  startPlainHttps,
  startSidecar,
  startTargetAuth,
  type Contender,
} from './support/contenders.js';
import { createBenchPki } from './support/pki.js';
import { startProcess } from './support/processes.js';
import { freePort } from './support/free-port.js';
import { rssMiB } from './support/proc.js';
import { Results } from './support/results.js';
import { round } from './support/stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const benchRoot = path.resolve(here, '..');
const repo = path.resolve(benchRoot, '..');
const USER = 'system:serviceaccount:monitoring:prometheus-k8s';
const quick = process.argv.includes('--quick');
const log = (s: string) => process.stdout.write(`${s}\n`);

const results = new Results();
const work = mkdtempSync(path.join(os.tmpdir(), 'certscrape-bench-'));
const stops: (() => Promise<void>)[] = [];
try {
  const pki = await createBenchPki(path.join(work, 'pki'), USER);
  const inputs = { pki, bodyFile: path.join(benchRoot, 'fixtures/node-exporter-metrics.txt'), workDir: work };

  log('\n# Serving a scrape (57 KB node-exporter exposition), server CPU per 1000 requests');
  const contenders: Contender[] = [];
  for (const start of [startPlainHttps, startNodeMtlsNaive, startTargetAuth, startSidecar, startNginx, startNginxProxy, startGoExporterToolkit]) {
    const c = await start(inputs);
    contenders.push(c);
    stops.push(async () => {
      for (const p of c.all) await p.stop();
    });
  }
  const scale = quick ? 0.25 : 1;
  const profiles: Profile[] = [
    { name: 'keepalive', mode: 'keepalive', requests: Math.round(8000 * scale), concurrency: 4 },
    { name: 'handshake', mode: 'handshake', requests: Math.round(800 * scale), concurrency: 4 },
    { name: 'keepalive_gzip', mode: 'keepalive', requests: Math.round(8000 * scale), concurrency: 4, headers: { 'accept-encoding': 'gzip' } },
  ];
  const serve = await measureServe(contenders, profiles, pki, quick ? 2 : 3, log);
  const cost = (name: string, profile: string) => serve[name]![profile]!.cpuPer1000Ms;
  log('');
  for (const c of contenders) {
    for (const p of profiles) results.add(`serve.${p.name}.cpu_per_1000.${c.name}`, cost(c.name, p.name), 'ms', { rps: serve[c.name]![p.name]!.rps, checks: c.checks });
  }
  for (const [ours, prefix] of [['target-auth', 'serve'], ['sidecar', 'sidecar']] as const) {
    for (const p of ['keepalive', 'handshake', 'keepalive_gzip']) {
      for (const [peer, label] of [['plain-https', 'plain_https'], ['node-mtls-naive', 'node_mtls_naive'], ['nginx-mtls', 'nginx_mtls'], ['go-mtls', 'go_mtls']] as const) {
        results.add(`${prefix}.${p}.ratio_vs_${label}`, round(cost(peer, p) / cost(ours, p), 3), 'x (peer cost / ours; >1 = cheaper)', { ours: cost(ours, p), peer: cost(peer, p) });
      }
    }
  }

  // The sidecar beside nginx doing the same job (mTLS + subject check, then a keep-alive hop to the same kind of upstream).
  for (const p of profiles) {
    results.add(`sidecar.${p.name}.ratio_vs_nginx_proxy`, round(cost('nginx-proxy', p.name) / cost('sidecar', p.name), 3), 'x (peer cost / ours; >1 = cheaper)', { ours: cost('sidecar', p.name), peer: cost('nginx-proxy', p.name) });
  }

  log('\n# Unauthenticated hostile chains (same-name intermediates, huge RSA exponents): target-auth CPU per connection');
  const hostile = await measureHostileChain(contenders.find((c) => c.name === 'target-auth')!, pki, quick ? 20 : 60, quick ? 2 : 3, log);
  results.add('serve.unauthenticated_hostile.cpu_ratio', hostile.ratio, 'x (hostile / normal CPU per connection; goal <= 2)', { normalCpuMs: hostile.normalCpuMs, hostileCpuMs: hostile.hostileCpuMs, ...hostile.detail });

  log('\n# Sidecar memory (kube-rbac-proxy budget in kube-prometheus: requests 20Mi, limits 40Mi)');
  // As the Deployment example runs it (NODE_OPTIONS=--max-semi-space-size=1), and with Node's defaults.
  const memory = await measureSidecarMemory(() => startSidecar(inputs), '--max-semi-space-size=1', pki, quick ? 10 : 30, log);
  results.add('sidecar.rss_mib.idle', memory.idleMiB, 'MiB (goal <= 40)', memory.detail);
  results.add('sidecar.rss_mib.load', memory.loadMiB, 'MiB (peak; goal <= 40)', memory.detail);
  results.add('sidecar.rss_mib.bare_node', memory.detail.bareNodeMiB, 'MiB (a Node.js process doing nothing, same NODE_OPTIONS: the floor of any Node.js sidecar)');
  results.add('sidecar.rss_anon_mib.idle', memory.detail.anonIdleMiB, "MiB (RssAnon: the sidecar's own memory, without the node binary's shared file pages)");
  results.add('sidecar.rss_anon_mib.load', memory.detail.anonLoadMiB, 'MiB (peak RssAnon under load)');
  const memoryDefault = await measureSidecarMemory(() => startSidecar(inputs), undefined, pki, quick ? 10 : 30, log);
  results.add('sidecar.rss_mib.load_node_defaults', memoryDefault.loadMiB, 'MiB (peak, no NODE_OPTIONS)', memoryDefault.detail);

  log('\n# Scraper-proxy overhead (same target, direct mTLS vs via proxy_url)');
  const target = contenders.find((c) => c.name === 'target-auth')!;
  const proxyPort = await freePort();
  const proxy = await startProcess(
    'scraper-proxy',
    process.execPath,
    [path.join(repo, 'apps/scraper-proxy/bin/certscrape-scraper-proxy.js'), `--listen-address=127.0.0.1:${proxyPort}`, `--metrics-bind-address=127.0.0.1:${await freePort()}`, `--cert-file=${pki.clientCertFile}`, `--key-file=${pki.clientKeyFile}`, `--upstream-ca-file=${pki.caFile}`],
    { readyLine: /listening|"msg":"ready|started/i, timeoutMs: 20_000 },
  );
  stops.push(() => proxy.stop());
  const px = await measureProxy(target, proxy, new URL(`http://127.0.0.1:${proxyPort}`), pki, quick ? 2 : 4);
  results.add('proxy.latency_p50_overhead_ms', px.p50OverheadMs, 'ms', px.detail);
  results.add('proxy.latency_p99_overhead_ms', px.p99OverheadMs, 'ms', px.detail);
  results.add('proxy.throughput_ratio', px.throughputRatio, 'x (proxied / direct)', px.detail);
  results.add('proxy.cpu_per_1000', px.proxyCpuPer1000Ms, 'ms (scraper-proxy CPU per 1000 proxied scrapes, concurrency 4)', { targetCpuPer1000Ms: px.targetCpuPer1000Ms });
  results.add('proxy.rss_mib', round(rssMiB(proxy.pid), 1), 'MiB');
  for (const stop of stops.splice(0).reverse()) await stop();

  log('\n# Approver: pure policy evaluation of a CSR burst (P-256)');
  const policy = createCsrPolicy();
  for (const n of quick ? [1000] : [1000, 10_000]) {
    const burst = await buildCsrBurst(n, policy);
    const m = await measureEvaluation(burst.views, policy);
    results.add(n === 1000 ? 'approver.csr_per_second' : `approver.csr_per_second_${n}`, m.perSecond, 'CSR/s', { n, mix: burst.counts, decisions: m.tally, elapsedMs: m.elapsedMs, rssMiB: round(rssMiB(process.pid), 1) });
  }

  if (!process.argv.includes('--no-cluster')) {
    log('\n# On the local control plane');
    await runClusterBenchmarks({ repo, work, results, log, quick });
  }

  const out = path.join(benchRoot, 'results/latest.json');
  results.write(out, { date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version } });
  log(`\n${results.table()}\n\nwrote ${path.relative(repo, out)}`);
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}
