import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalClusterError } from './errors.js';

/** The provisioning script shipped with this package (works from src/ and dist/ alike). */
export const PROVISION_SCRIPT = fileURLToPath(new URL('../scripts/provision.sh', import.meta.url));

/** Debian's etcd, used when the bin dir holds none. */
export const SYSTEM_ETCD = '/usr/bin/etcd';

/**
 * Runs scripts/provision.sh (installs missing Debian packages, builds and caches kube-apiserver and
 * kube-controller-manager on first use; honours CERTSCRAPE_K8S_BIN_DIR from the inherited environment),
 * forwarding each progress line to `onProgress`, and resolves with the bin dir it prints.
 * Fails with LOCAL_CLUSTER_ERR_PROVISION, carrying the script's last lines, when it exits non-zero.
 */
export function provisionBinaries(onProgress: (line: string) => void = () => undefined, script = PROVISION_SCRIPT): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const errLines: string[] = [];
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      const lines = (partial + c).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        errLines.push(l);
        onProgress(l);
      }
    });
    child.on('error', (cause) => reject(new LocalClusterError('LOCAL_CLUSTER_ERR_PROVISION', `cannot run ${script}`, { cause })));
    child.on('close', (code) => {
      if (partial) {
        errLines.push(partial);
        onProgress(partial);
      }
      const binDir = out.trim().split('\n').pop()?.trim() ?? '';
      if (code === 0 && binDir) return resolve(binDir);
      reject(
        new LocalClusterError(
          'LOCAL_CLUSTER_ERR_PROVISION',
          `provisioning failed (exit ${code}): ${errLines.slice(-20).join('\n') || 'no output'}`,
        ),
      );
    });
  });
}

/** Absolute paths of the three executables, or LOCAL_CLUSTER_ERR_BINARY_MISSING naming the first one missing. etcd: `<binDir>/etcd`, else /usr/bin/etcd. */
export function resolveBinaries(binDir: string, systemEtcd = SYSTEM_ETCD): { etcd: string; kubeApiserver: string; kubeControllerManager: string } {
  const kubeApiserver = join(binDir, 'kube-apiserver');
  const kubeControllerManager = join(binDir, 'kube-controller-manager');
  for (const f of [kubeApiserver, kubeControllerManager]) {
    if (!isExecutable(f)) throw new LocalClusterError('LOCAL_CLUSTER_ERR_BINARY_MISSING', `no executable ${f}`);
  }
  const localEtcd = join(binDir, 'etcd');
  const etcd = isExecutable(localEtcd) ? localEtcd : systemEtcd;
  if (!isExecutable(etcd)) {
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_BINARY_MISSING', `no etcd in ${binDir} nor at ${systemEtcd} (apt-get install etcd-server)`);
  }
  return { etcd, kubeApiserver, kubeControllerManager };
}

function isExecutable(f: string): boolean {
  try {
    accessSync(f, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `<bin> --version` output (stdout), for parseKubeVersion. */
export function binaryVersion(bin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', (cause) => reject(new LocalClusterError('LOCAL_CLUSTER_ERR_BINARY_MISSING', `cannot run ${bin}`, { cause })));
    child.on('close', () => resolve(out));
  });
}
