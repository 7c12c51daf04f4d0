import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the in-cluster service-account files live (the default projected volume). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The source a client configuration is loaded from, in controller-runtime's order. */
export type KubeconfigSource =
  /** `--kubeconfig`: that one file, which must exist. */
  | { readonly kind: 'explicit'; readonly path: string }
  /** `$KUBECONFIG`: every listed file that exists, merged as kubectl merges them (first wins). */
  | { readonly kind: 'KUBECONFIG'; readonly paths: readonly string[] }
  /** In a pod: KUBERNETES_SERVICE_HOST/PORT and the service-account token. */
  | { readonly kind: 'in-cluster'; readonly host: string; readonly port: string; readonly serviceAccountDir: string }
  /** `$HOME/.kube/config`. */
  | { readonly kind: 'default'; readonly path: string };

/** Inputs of {@link kubeconfigSource}; the app passes its environment in. */
export interface KubeconfigSourceInput {
  /** The `--kubeconfig` flag value, if given (empty counts as not given). */
  readonly flag?: string | undefined;
  /** KUBECONFIG, KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT, HOME. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Does a file exist? (in-cluster needs `<serviceAccountDir>/token`). */
  readonly exists: (path: string) => boolean;
  /** Default {@link SERVICE_ACCOUNT_DIR}. */
  readonly serviceAccountDir?: string;
}

/**
 * Picks the kubeconfig source exactly as controller-runtime's `config.GetConfig` does: the flag;
 * else, when `$KUBECONFIG` is set (non-empty), its `:`-separated list (kubectl's loading rules:
 * empty entries and duplicates dropped, missing files skipped, the rest merged — in-cluster is not
 * tried); else in-cluster when KUBERNETES_SERVICE_HOST/PORT are set and the token exists; else
 * `$HOME/.kube/config` (the user's home directory when HOME is unset). Pure apart from `exists`.
 */
export function kubeconfigSource(input: KubeconfigSourceInput): KubeconfigSource {
  if (input.flag !== undefined && input.flag !== '') return { kind: 'explicit', path: input.flag };
  const list = input.env['KUBECONFIG'];
  if (list !== undefined && list !== '') {
    const paths = [...new Set(list.split(':').filter((p) => p !== ''))];
    return { kind: 'KUBECONFIG', paths: paths.filter((p) => input.exists(p)) };
  }
  const saDir = input.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = input.env['KUBERNETES_SERVICE_HOST'];
  const port = input.env['KUBERNETES_SERVICE_PORT'];
  if (host && port && input.exists(join(saDir, 'token'))) return { kind: 'in-cluster', host, port, serviceAccountDir: saDir };
  const home = input.env['HOME'] || homedir();
  return { kind: 'default', path: join(home, '.kube', 'config') };
}
