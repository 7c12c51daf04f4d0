import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { dirname, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster, Context, User } from '@kubernetes/client-node';
import { SERVICE_ACCOUNT_DIR, kubeconfigSource } from '@certscrape/process-kit';
import { KubeRuntimeError } from './errors.js';

export { SERVICE_ACCOUNT_DIR };

/** Options for {@link loadKubeConfig}. The app passes its environment in; this module never reads process.env. */
export interface LoadKubeConfigOptions {
  /** Explicit kubeconfig path (`--kubeconfig`). Wins over everything else; must exist. */
  readonly kubeconfig?: string | undefined;
  /** Environment to consult: KUBECONFIG, KUBERNETES_SERVICE_HOST/PORT (in-cluster), HOME. Default: empty. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Service-account directory for in-cluster mode. Default {@link SERVICE_ACCOUNT_DIR}. */
  readonly serviceAccountDir?: string;
  /** Context to select. Default: the (merged) current-context. */
  readonly context?: string;
}

/** How the configuration was found, for the startup log line. */
export type KubeConfigSource = 'explicit' | 'in-cluster' | 'KUBECONFIG' | 'default';

/**
 * Loads a client configuration in controller-runtime's order (`process-kit`'s kubeconfigSource):
 * `--kubeconfig`; else `$KUBECONFIG` — every existing file of the `:`-list merged as kubectl
 * merges (the first file to define a cluster/user/context name wins it, the first non-empty
 * current-context wins, relative paths resolve against the file that holds them); else in-cluster
 * (the token file is re-read, so bound-token rotation works); else `~/.kube/config`. Throws
 * KUBE_RUNTIME_ERR_KUBECONFIG when nothing usable is found, a file is unreadable or invalid, or
 * the result has no current cluster.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): { kubeConfig: KubeConfig; source: KubeConfigSource; path?: string; paths: readonly string[] } {
  const env = options.env ?? {};
  const src = kubeconfigSource({ flag: options.kubeconfig, env, exists: existsSync, ...(options.serviceAccountDir ? { serviceAccountDir: options.serviceAccountDir } : {}) });
  switch (src.kind) {
    case 'explicit':
      return { kubeConfig: fromFiles([src.path], options.context), source: 'explicit', path: src.path, paths: [src.path] };
    case 'KUBECONFIG': {
      if (src.paths.length === 0) {
        throw new KubeRuntimeError('KUBE_RUNTIME_ERR_KUBECONFIG', `KUBECONFIG names no existing file (${env['KUBECONFIG']})`);
      }
      return { kubeConfig: fromFiles(src.paths, options.context), source: 'KUBECONFIG', path: src.paths[0] as string, paths: src.paths };
    }
    case 'in-cluster': {
      const kc = new KubeConfig();
      const server = `https://${isIPv6(src.host) ? `[${src.host}]` : src.host}:${src.port}`;
      kc.loadFromClusterAndUser(
        { name: 'inCluster', server, caFile: `${src.serviceAccountDir}/ca.crt`, skipTLSVerify: false },
        { name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: `${src.serviceAccountDir}/token` } } },
      );
      return { kubeConfig: kc, source: 'in-cluster', paths: [] };
    }
    case 'default':
      if (!existsSync(src.path)) {
        throw new KubeRuntimeError(
          'KUBE_RUNTIME_ERR_KUBECONFIG',
          'no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, run in a pod with a service account, or create ~/.kube/config',
        );
      }
      return { kubeConfig: fromFiles([src.path], options.context), source: 'default', path: src.path, paths: [src.path] };
  }
}

/** Reads, resolves and merges kubeconfig files (kubectl's rules: first definition of a name wins). */
function fromFiles(paths: readonly string[], context: string | undefined): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new KubeRuntimeError('KUBE_RUNTIME_ERR_KUBECONFIG', `cannot read kubeconfig ${path}`, { cause });
    }
    const kc = new KubeConfig();
    try {
      kc.loadFromString(text);
      kc.makePathsAbsolute(dirname(resolve(path)));
    } catch (cause) {
      throw new KubeRuntimeError('KUBE_RUNTIME_ERR_KUBECONFIG', `invalid kubeconfig ${path}`, { cause });
    }
    for (const c of kc.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.getUsers()) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.getContexts()) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (currentContext === '' && kc.getCurrentContext()) currentContext = kc.getCurrentContext();
  }
  const merged = new KubeConfig();
  try {
    merged.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext: context ?? currentContext });
  } catch (cause) {
    throw new KubeRuntimeError('KUBE_RUNTIME_ERR_KUBECONFIG', `invalid kubeconfig ${paths.join(':')}`, { cause });
  }
  if (!merged.getCurrentCluster()) {
    throw new KubeRuntimeError('KUBE_RUNTIME_ERR_KUBECONFIG', `kubeconfig ${paths.join(':')} has no current cluster (context ${JSON.stringify(context ?? currentContext)})`);
  }
  return merged;
}
