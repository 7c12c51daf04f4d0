import type { Contender } from './support/contenders.js';
import { runLoad } from './support/load.js';
import type { BenchPki } from './support/pki.js';
import { cpuMillis, cpuMillisOf } from './support/proc.js';
import type { BenchProcess } from './support/processes.js';
import { median, quantile, round } from './support/stats.js';

/** What the scraper-proxy costs a scrape: latency (sequential) and throughput (parallel), direct mTLS vs through the proxy. */
export interface ProxyOverhead {
  readonly p50OverheadMs: number;
  readonly p99OverheadMs: number;
  readonly throughputRatio: number;
  /** The scraper-proxy's own CPU per 1000 proxied scrapes in the throughput runs (median), and the target's, for scale. */
  readonly proxyCpuPer1000Ms: number;
  readonly targetCpuPer1000Ms: number;
  readonly detail: Record<string, unknown>;
}

/**
 * Interleaved rounds of the same scrape: directly with mTLS (keep-alive), and as
 * Prometheus does with `proxy_url` (plain HTTP to the proxy, which originates mTLS
 * on its pooled connection). Latency from sequential requests, throughput from 4 in parallel.
 * Client, proxy and target share the machine's cores, so the throughput ratio is bounded by their
 * summed CPU per scrape: the proxy's own CPU per scrape is reported beside it.
 */
export async function measureProxy(target: Contender, proxy: BenchProcess, proxyUrl: URL, pki: BenchPki, rounds: number): Promise<ProxyOverhead> {
  const lat = { direct: [] as number[], proxied: [] as number[] };
  const rps = { direct: [] as number[], proxied: [] as number[] };
  const cpu = { proxy: [] as number[], target: [] as number[] };
  const base = { url: target.url, mode: 'keepalive' as const, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, maxMillis: 60_000 };
  // Warm-up both paths.
  await runLoad({ ...base, requests: 300, concurrency: 1 });
  await runLoad({ ...base, requests: 300, concurrency: 1, proxy: proxyUrl });
  for (let r = 0; r < rounds; r++) {
    const d = await runLoad({ ...base, requests: 500, concurrency: 1 });
    const p = await runLoad({ ...base, requests: 500, concurrency: 1, proxy: proxyUrl });
    if (d.errors || p.errors) throw new Error(`proxy bench: failures direct=${JSON.stringify(d.statuses)} proxied=${JSON.stringify(p.statuses)}`);
    lat.direct.push(...d.latenciesMs);
    lat.proxied.push(...p.latenciesMs);
    const dt = await runLoad({ ...base, requests: 2000, concurrency: 4 });
    const before = { proxy: cpuMillis(proxy.pid), target: cpuMillisOf(target.measured.pids()) };
    const pt = await runLoad({ ...base, requests: 2000, concurrency: 4, proxy: proxyUrl });
    cpu.proxy.push(((cpuMillis(proxy.pid) - before.proxy) / pt.ok) * 1000);
    cpu.target.push(((cpuMillisOf(target.measured.pids()) - before.target) / pt.ok) * 1000);
    rps.direct.push(dt.ok / (dt.elapsedMs / 1000));
    rps.proxied.push(pt.ok / (pt.elapsedMs / 1000));
  }
  const p50 = { direct: quantile(lat.direct, 0.5), proxied: quantile(lat.proxied, 0.5) };
  const p99 = { direct: quantile(lat.direct, 0.99), proxied: quantile(lat.proxied, 0.99) };
  return {
    p50OverheadMs: round(p50.proxied - p50.direct, 3),
    p99OverheadMs: round(p99.proxied - p99.direct, 3),
    throughputRatio: round(median(rps.proxied) / median(rps.direct), 3),
    proxyCpuPer1000Ms: round(median(cpu.proxy), 1),
    targetCpuPer1000Ms: round(median(cpu.target), 1),
    detail: {
      p50Ms: { direct: round(p50.direct), proxied: round(p50.proxied) },
      p99Ms: { direct: round(p99.direct), proxied: round(p99.proxied) },
      rps: { direct: round(median(rps.direct), 0), proxied: round(median(rps.proxied), 0) },
      requestsPerPath: lat.direct.length,
    },
  };
}
