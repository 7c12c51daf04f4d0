import { readdir, readFile } from 'node:fs/promises';
import { TARGET_PORTS } from './namespace-targets.js';
import type { ProcSample } from './soak-report.js';

/** Reads VmRSS and the number of open fds of `pid` from /proc; undefined when the process is gone. */
export async function readProcSample(pid: number, atMs = Date.now()): Promise<ProcSample | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    if (rss === undefined) return undefined; // a zombie has no VmRSS
    const fds = (await readdir(`/proc/${pid}/fd`)).length;
    return { atMs, pid, rssKiB: Number(rss), fds };
  } catch {
    return undefined;
  }
}

/** The argv of `pid` (/proc/<pid>/cmdline); empty when the process is gone. */
export async function readCmdline(pid: number): Promise<string[]> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw.split('\0').filter(Boolean);
}

/**
 * Which of the namespace targets' certscrape processes an argv belongs to (startNamespaceTargets
 * starts them): the Node service embedding @certscrape/target-auth, or one of the two
 * certscrape-target-auth sidecars, told apart by their listen port. Pure.
 */
export function namespaceProcessName(argv: readonly string[]): 'node-app' | 'node-exporter-sidecar' | 'etcd-sidecar' | undefined {
  if (argv.some((a) => a.endsWith('/node-metrics-server.js'))) return 'node-app';
  if (!argv.some((a) => a.endsWith('/certscrape-target-auth.js'))) return undefined;
  const listen = argv.find((a) => a.startsWith('--secure-listen-address='));
  if (listen?.endsWith(`:${TARGET_PORTS.nodeExporterSidecar}`)) return 'node-exporter-sidecar';
  if (listen?.endsWith(`:${TARGET_PORTS.etcdSidecar}`)) return 'etcd-sidecar';
  return undefined;
}
