import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isIPv6 } from 'node:net';
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeRuntimeError } from './errors.js';

/** Where the in-cluster service-account files live (the default projected volume). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Options for {@link loadKubeConfig}. The app passes its environment in; this module never reads process.env. */
export interface LoadKubeConfigOptions {
  /** Explicit kubeconfig path (e.g. `--kubeconfig`). Wins over everything else. */
  readonly kubeconfig?: string;
  /** Environment to consult: KUBERNETES_SERVICE_HOST/PORT (in-cluster), KUBECONFIG, HOME. Default: empty. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Service-account directory for in-cluster mode. Default {@link SERVICE_ACCOUNT_DIR}. */
  readonly serviceAccountDir?: string;
  /** Context to select from a kubeconfig file. Default: its current-context. */
  readonly context?: string;
}

/** How the configuration was found, for the startup log line. */
export type KubeConfigSource = 'explicit' | 'in-cluster' | 'KUBECONFIG' | 'default';

/**
 * Loads a client configuration in this order: the explicit path; in-cluster (when
 * KUBERNETES_SERVICE_HOST/PORT are set and the service-account token exists; the token file
 * is re-read so bound-token rotation works); the first existing file in KUBECONFIG;
 * `$HOME/.kube/config`. Throws KubeRuntimeError KUBE_RUNTIME_ERR_KUBECONFIG when nothing
 * usable is found or the chosen file is unreadable or has no current cluster.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): { kubeConfig: KubeConfig; source: KubeConfigSource; path?: string } {
  const env = options.env ?? {};
  if (options.kubeconfig) {
    return { kubeConfig: fromFile(options.kubeconfig, options.context), source: 'explicit', path: options.kubeconfig };
  }
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (host && port && existsSync(`${saDir}/token`)) {
    const kc = new KubeConfig();
    const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
    kc.loadFromClusterAndUser(
      { name: 'inCluster', server, caFile: `${saDir}/ca.crt`, skipTLSVerify: false },
      { name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: `${saDir}/token` } } },
    );
    return { kubeConfig: kc, source: 'in-cluster' };
  }
  const fromEnv = env['KUBECONFIG'];
  if (fromEnv) {
    const candidates = fromEnv.split(delimiter).filter((p) => p.length > 0);
    const found = candidates.find((p) => existsSync(p));
    if (!found) {
      throw new KubeRuntimeError('KUBE_RUNTIME_ERR_KUBECONFIG', `KUBECONFIG names no existing file (${candidates.join(', ')})`);
    }
    return { kubeConfig: fromFile(found, options.context), source: 'KUBECONFIG', path: found };
  }
  const home = env['HOME'] ?? homedir();
  const defaultPath = `${home}/.kube/config`;
  if (existsSync(defaultPath)) {
    return { kubeConfig: fromFile(defaultPath, options.context), source: 'default', path: defaultPath };
  }
  throw new KubeRuntimeError(
    'KUBE_RUNTIME_ERR_KUBECONFIG',
    'no Kubernetes configuration: pass --kubeconfig, run in a pod with a service account, or set KUBECONFIG',
  );
}

function fromFile(path: string, context: string | undefined): KubeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new KubeRuntimeError('KUBE_RUNTIME_ERR_KUBECONFIG', `cannot read kubeconfig ${path}`, { cause });
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) || '/' : '.';
    kc.makePathsAbsolute(dir);
    if (context) kc.setCurrentContext(context);
  } catch (cause) {
    throw new KubeRuntimeError('KUBE_RUNTIME_ERR_KUBECONFIG', `invalid kubeconfig ${path}`, { cause });
  }
  if (!kc.getCurrentCluster()) {
    throw new KubeRuntimeError('KUBE_RUNTIME_ERR_KUBECONFIG', `kubeconfig ${path} has no current cluster`);
  }
  return kc;
}
