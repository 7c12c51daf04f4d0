// The sidecar's resident memory beside kube-rbac-proxy's published budget (kube-prometheus gives
// its kube-rbac-proxy containers requests 20Mi / limits 40Mi): RSS idle after start-up, and the
// peak while it serves a sustained scrape load (keep-alive and fresh handshakes mixed, as a
// Prometheus with many targets and restarts would).
import type { Contender } from './support/contenders.js';
import { runLoad } from './support/load.js';
import type { BenchPki } from './support/pki.js';
import { rssAnonMiB, rssMiB } from './support/proc.js';
import { startProcess } from './support/processes.js';
import { round } from './support/stats.js';

/** What {@link measureSidecarMemory} found, in MiB. */
export interface SidecarMemory {
  readonly idleMiB: number;
  /** Highest RSS sampled (every 100 ms) during the load. */
  readonly loadMiB: number;
  /**
   * The same two figures for the anonymous part of RSS alone (heap, malloc: this process's own
   * memory; the rest is mostly the node binary's file pages), and the RSS of a bare Node.js
   * process (`setInterval` only, same NODE_OPTIONS) — the floor no Node.js sidecar goes below.
   */
  readonly detail: {
    readonly nodeOptions: string;
    readonly node: string;
    readonly loadSeconds: number;
    readonly requests: number;
    readonly errors: number;
    readonly samples: number;
    readonly anonIdleMiB: number;
    readonly anonLoadMiB: number;
    readonly bareNodeMiB: number;
  };
}

/**
 * Starts a sidecar with `start` (with `nodeOptions` as NODE_OPTIONS, e.g. the Deployment example's
 * `--max-semi-space-size=1`), measures its RSS idle after a short settle, then the peak under
 * `seconds` of load, and stops it.
 */
export async function measureSidecarMemory(start: () => Promise<Contender>, nodeOptions: string | undefined, pki: BenchPki, seconds: number, log: (s: string) => void): Promise<SidecarMemory> {
  const saved = process.env.NODE_OPTIONS;
  if (nodeOptions !== undefined) process.env.NODE_OPTIONS = nodeOptions;
  let sidecar: Contender;
  try {
    sidecar = await start();
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
  let measured: Omit<SidecarMemory, 'detail'> & { detail: Omit<SidecarMemory['detail'], 'bareNodeMiB'> };
  try {
    measured = await measure(sidecar, pki, seconds, nodeOptions ?? '(none)', log);
  } finally {
    for (const p of sidecar.all) await p.stop();
  }
  const bareNodeMiB = await bareNodeRss(nodeOptions);
  log(`  bare Node.js process (NODE_OPTIONS ${nodeOptions ?? '(none)'}): ${bareNodeMiB} MiB`);
  return { ...measured, detail: { ...measured.detail, bareNodeMiB } };
}

/** RSS of a Node.js process that does nothing, after the same settle time as the sidecar's idle figure. */
async function bareNodeRss(nodeOptions: string | undefined): Promise<number> {
  const saved = process.env.NODE_OPTIONS;
  if (nodeOptions !== undefined) process.env.NODE_OPTIONS = nodeOptions;
  else delete process.env.NODE_OPTIONS;
  let bare: Awaited<ReturnType<typeof startProcess>>;
  try {
    bare = await startProcess('bare-node', process.execPath, ['-e', "console.log('READY'); setInterval(() => undefined, 60_000);"], { readyLine: /READY/ });
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
  try {
    await new Promise((r) => setTimeout(r, 2000));
    return round(rssMiB(bare.pid), 1);
  } finally {
    await bare.stop();
  }
}

async function measure(sidecar: Contender, pki: BenchPki, seconds: number, label: string, log: (s: string) => void) {
  const pid = sidecar.measured.pid;
  await new Promise((r) => setTimeout(r, 2000));
  const idleMiB = rssMiB(pid);
  const anonIdleMiB = rssAnonMiB(pid);
  let anonPeak = anonIdleMiB;
  const tls = { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey };
  let peak = idleMiB;
  let samples = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid));
    anonPeak = Math.max(anonPeak, rssAnonMiB(pid));
    samples++;
  }, 100);
  let requests = 0;
  let errors = 0;
  const until = Date.now() + seconds * 1000;
  try {
    while (Date.now() < until) {
      const [keep, fresh] = await Promise.all([
        runLoad({ url: sidecar.url, mode: 'keepalive', requests: 2000, concurrency: 8, maxMillis: 5000, ...tls }),
        runLoad({ url: sidecar.url, mode: 'handshake', requests: 100, concurrency: 2, maxMillis: 5000, ...tls }),
      ]);
      requests += keep.ok + fresh.ok;
      errors += keep.errors + fresh.errors;
    }
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, rssMiB(pid));
  anonPeak = Math.max(anonPeak, rssAnonMiB(pid));
  log(`  sidecar RSS (NODE_OPTIONS ${label}): idle ${round(idleMiB, 1)} MiB (anon ${round(anonIdleMiB, 1)}), peak under load ${round(peak, 1)} MiB (anon ${round(anonPeak, 1)}) (${requests} scrapes, ${errors} errors, ${seconds} s)`);
  return {
    idleMiB: round(idleMiB, 1),
    loadMiB: round(peak, 1),
    detail: { nodeOptions: label, node: process.version, loadSeconds: seconds, requests, errors, samples, anonIdleMiB: round(anonIdleMiB, 1), anonLoadMiB: round(anonPeak, 1) },
  };
}
