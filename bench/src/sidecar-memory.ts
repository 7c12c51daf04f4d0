// The sidecar's resident memory beside kube-rbac-proxy's published budget (kube-prometheus gives
// its kube-rbac-proxy containers requests 20Mi / limits 40Mi): RSS idle after start-up, and the
// peak while it serves a sustained scrape load (keep-alive and fresh handshakes mixed, as a
// Prometheus with many targets and restarts would).
import type { Contender } from './support/contenders.js';
import { runLoad } from './support/load.js';
import type { BenchPki } from './support/pki.js';
import { rssMiB } from './support/proc.js';
import { round } from './support/stats.js';

/** What {@link measureSidecarMemory} found, in MiB. */
export interface SidecarMemory {
  readonly idleMiB: number;
  /** Highest RSS sampled (every 100 ms) during the load. */
  readonly loadMiB: number;
  readonly detail: { readonly nodeOptions: string; readonly node: string; readonly loadSeconds: number; readonly requests: number; readonly errors: number; readonly samples: number };
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
  try {
    return await measure(sidecar, pki, seconds, nodeOptions ?? '(none)', log);
  } finally {
    for (const p of sidecar.all) await p.stop();
  }
}

async function measure(sidecar: Contender, pki: BenchPki, seconds: number, label: string, log: (s: string) => void): Promise<SidecarMemory> {
  const pid = sidecar.measured.pid;
  await new Promise((r) => setTimeout(r, 2000));
  const idleMiB = rssMiB(pid);
  const tls = { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey };
  let peak = idleMiB;
  let samples = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid));
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
  log(`  sidecar RSS (NODE_OPTIONS ${label}): idle ${round(idleMiB, 1)} MiB, peak under load ${round(peak, 1)} MiB (${requests} scrapes, ${errors} errors, ${seconds} s)`);
  return { idleMiB: round(idleMiB, 1), loadMiB: round(peak, 1), detail: { nodeOptions: label, node: process.version, loadSeconds: seconds, requests, errors, samples } };
}
