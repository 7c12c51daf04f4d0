import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { controllerManagerTargetFlags } from '@certscrape/local-cluster/testing';
import type { CleanupStack } from './cleanup-stack.js';
import { E2eError } from './errors.js';
import { ManagedProcess } from './managed-process.js';
import { kubeRbacProxyConfig, sidecarArgv, type TargetMounts } from './namespace-targets.js';
import type { NetworkNamespace } from './network-namespace.js';
import type { Argv } from './run-command.js';
import type { ScrapeTarget } from './scrape-matrix.js';
import { waitFor } from './wait-for.js';

/** Ports inside the namespace (beside {@link TARGET_PORTS} of the other namespace targets). */
export const CONTROLLER_MANAGER_PORTS = Object.freeze({
  /** The fronted kube-controller-manager, bound to the namespace's loopback. */
  frontedLoopback: 10257,
  /** The certscrape-target-auth sidecar in front of it, on the namespace address. */
  sidecar: 9446,
  /** The stock kube-controller-manager, on the namespace address. */
  stock: 10258,
});

/** What both kube-controller-manager instances need besides the targets' mounts. */
export interface ControllerManagerOptions {
  /** The local control plane's binaries (kube-controller-manager). */
  readonly binDir: string;
  /** kubeconfig whose server is the host side of the veth pair (the route the cut removes). */
  readonly kubeconfig: string;
}

/** The argv of one extra kube-controller-manager target (the kit's flags) serving as `serving` says. Pure. */
export function controllerManagerArgv(binDir: string, kubeconfig: string, serving: readonly string[]): Argv {
  return [join(binDir, 'kube-controller-manager'), ...controllerManagerTargetFlags(kubeconfig), ...serving];
}

/**
 * Starts two extra kube-controller-managers inside the namespace, so the cut applies to them:
 * - `kube-controller-manager`: bound to 127.0.0.1 with /metrics in --authorization-always-allow-paths,
 *   behind the certscrape-target-auth sidecar on the namespace address (client certificate and static
 *   authorization; `https://` upstream verified against the component's own self-signed serving CA);
 * - `kube-controller-manager-stock`: on the namespace address with the targets' serving pair, its
 *   /metrics authorized by SubjectAccessReview — scraped with a token, the control.
 * Returns the two scrape targets; every process is registered for cleanup.
 */
export async function startControllerManagerTargets(ns: NetworkNamespace, mounts: TargetMounts, options: ControllerManagerOptions, dir: string, cleanup: CleanupStack): Promise<ScrapeTarget[]> {
  if (!options.binDir) throw new E2eError('E2E_ERR_KUBE', 'kube-controller-manager targets need the local control plane binaries (binDir is empty)');
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, 'target-auth-config.yaml');
  await writeFile(configFile, kubeRbacProxyConfig(mounts.scraperIdentity));
  const ip = ns.plan.nsAddress;
  const p = CONTROLLER_MANAGER_PORTS;
  const start = (name: string, argv: Argv): ManagedProcess => {
    const full = ns.exec(argv);
    const proc = ManagedProcess.start({ name, command: full[0], args: full.slice(1), logFile: join(dir, `${name}.log`) });
    cleanup.defer(name, () => proc.stop(), () => proc.killSync());
    return proc;
  };

  const certDir = join(dir, 'kcm-fronted-serving');
  start(
    'kube-controller-manager',
    controllerManagerArgv(options.binDir, options.kubeconfig, ['--bind-address=127.0.0.1', `--secure-port=${p.frontedLoopback}`, `--cert-dir=${certDir}`, '--authorization-always-allow-paths=/healthz,/metrics']),
  );
  start(
    'kube-controller-manager-stock',
    controllerManagerArgv(options.binDir, options.kubeconfig, [`--bind-address=${ip}`, `--secure-port=${p.stock}`, `--tls-cert-file=${mounts.serving.certFile}`, `--tls-private-key-file=${mounts.serving.keyFile}`]),
  );
  // Its self-signed serving certificate (localhost, 127.0.0.1) is the sidecar's upstream CA.
  const upstreamCa = join(certDir, 'kube-controller-manager.crt');
  await waitFor(async () => access(upstreamCa).then(() => true, () => undefined), { what: 'kube-controller-manager serving certificate', timeoutMs: 90_000, intervalMs: 500 });
  start('kube-controller-manager-sidecar', [...sidecarArgv(`${ip}:${p.sidecar}`, `https://127.0.0.1:${p.frontedLoopback}/`, mounts, configFile), `--upstream-ca-file=${upstreamCa}`]);

  const ca = mounts.serving.caFile;
  return [
    { name: 'kube-controller-manager', address: `${ip}:${p.sidecar}`, servingCaFile: ca, inNamespace: true, paths: ['cert'] },
    { name: 'kube-controller-manager-stock', address: `${ip}:${p.stock}`, servingCaFile: ca, inNamespace: true, paths: ['token'] },
  ];
}
