import { readFile } from 'node:fs/promises';
import { TargetAuthError } from './errors.js';

/** The user a TokenReview reports (`status.user`). */
export interface TokenReviewUser {
  readonly username: string;
  readonly groups: readonly string[];
  /** `status.user.uid`; undefined when the apiserver reports none. */
  readonly uid?: string | undefined;
  /**
   * `status.user.extra` (e.g. `authentication.kubernetes.io/pod-name`, or the scopes of a
   * scope-limited token); an empty object when none.
   */
  readonly extra?: Readonly<Record<string, readonly string[]>> | undefined;
}

/** The part of a TokenReview response the authenticator uses. */
export type TokenReviewOutcome =
  | {
      readonly authenticated: true;
      readonly user: TokenReviewUser;
      /** `status.audiences`: the audiences the token is valid for, among those asked for (empty when none was asked or the apiserver does not say). */
      readonly audiences: readonly string[];
    }
  | { readonly authenticated: false; readonly error: string };

/** Sends TokenReviews. Rejects (coded) when kube-apiserver cannot be asked. */
export interface TokenReviewClient {
  review(token: string, audiences: readonly string[]): Promise<TokenReviewOutcome>;
}

/** A non-resource SubjectAccessReview question: the user exactly as TokenReview reported it, verb and path. */
export interface AccessQuestion {
  readonly user: string;
  readonly groups: readonly string[];
  /** `spec.uid`, when the user has one. */
  readonly uid?: string | undefined;
  /** `spec.extra`: a scope-limited token's scopes travel here, so SAR (and webhooks) can limit it. */
  readonly extra?: Readonly<Record<string, readonly string[]>> | undefined;
  readonly verb: string;
  readonly path: string;
}

/** Sends SubjectAccessReviews. Rejects (coded) when kube-apiserver cannot be asked. */
export interface SubjectAccessReviewClient {
  review(question: AccessQuestion): Promise<{ readonly allowed: boolean; readonly reason: string }>;
}

/** Options of {@link createKubernetesDelegatedClients}. */
export interface DelegatedClientsOptions {
  /** Path of a kubeconfig file (its current context is used). */
  readonly kubeconfig?: string;
  /** Without `kubeconfig`: use in-cluster config (service-account token, `$KUBERNETES_SERVICE_HOST`), as client-go does. */
  readonly inCluster?: boolean;
  /** Per-call timeout. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Called once per request sent to kube-apiserver (for metrics). */
  readonly onCall?: (api: 'tokenreview' | 'subjectaccessreview', result: 'ok' | 'error') => void;
}

/** Both delegated clients, sharing one kubeconfig. */
export interface DelegatedClients {
  readonly tokenReviews: TokenReviewClient;
  readonly subjectAccessReviews: SubjectAccessReviewClient;
}

/**
 * Builds TokenReview / SubjectAccessReview clients on `@kubernetes/client-node`, which is
 * imported lazily here (never at module load) so targets that do not configure the fallback
 * never load it. Failures (network, timeout, non-2xx) reject with
 * `TARGET_AUTH_ERR_DELEGATED_UNAVAILABLE` / `_TIMEOUT` / `_RESPONSE`.
 */
export async function createKubernetesDelegatedClients(options: DelegatedClientsOptions): Promise<DelegatedClients> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (options.kubeconfig === undefined) {
    if (options.inCluster !== true) throw new TargetAuthError('TARGET_AUTH_ERR_CONFIG_INVALID', 'a kubeconfig or inCluster: true is required');
    try {
      kc.loadFromCluster();
    } catch (cause) {
      throw new TargetAuthError('TARGET_AUTH_ERR_CONFIG_INVALID', 'cannot load in-cluster config', { cause });
    }
  } else {
    let text: string;
    try {
      text = await readFile(options.kubeconfig, 'utf8');
    } catch (cause) {
      throw new TargetAuthError('TARGET_AUTH_ERR_CONFIG_INVALID', `cannot read kubeconfig ${options.kubeconfig}`, { cause });
    }
    try {
      kc.loadFromString(text);
    } catch (cause) {
      throw new TargetAuthError('TARGET_AUTH_ERR_CONFIG_INVALID', `invalid kubeconfig ${options.kubeconfig}`, { cause });
    }
  }
  const authn = kc.makeApiClient(k8s.AuthenticationV1Api);
  const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
  const timeoutMs = options.timeoutMs ?? 5000;
  const onCall = options.onCall ?? (() => undefined);

  async function call<T>(api: 'tokenreview' | 'subjectaccessreview', send: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TargetAuthError('TARGET_AUTH_ERR_DELEGATED_TIMEOUT', `${api} timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const r = await Promise.race([send(), timeout]);
      onCall(api, 'ok');
      return r;
    } catch (cause) {
      onCall(api, 'error');
      if (cause instanceof TargetAuthError) throw cause;
      const code = (cause as { code?: unknown }).code;
      if (typeof code === 'number') throw new TargetAuthError('TARGET_AUTH_ERR_DELEGATED_RESPONSE', `${api} failed with HTTP ${code}`, { cause });
      throw new TargetAuthError('TARGET_AUTH_ERR_DELEGATED_UNAVAILABLE', `${api}: kube-apiserver unreachable`, { cause });
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    tokenReviews: {
      async review(token, audiences) {
        const res = await call('tokenreview', () =>
          authn.createTokenReview({
            body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences.length > 0 ? { audiences: [...audiences] } : {}) } },
          }),
        );
        const status = res.status;
        if (status?.authenticated === true && status.user?.username) {
          const u = status.user;
          return {
            authenticated: true,
            user: { username: u.username as string, groups: u.groups ?? [], ...(u.uid ? { uid: u.uid } : {}), extra: copyExtra(u.extra) },
            audiences: status.audiences ?? [],
          };
        }
        return { authenticated: false, error: status?.error ?? 'token not authenticated' };
      },
    },
    subjectAccessReviews: {
      async review(q) {
        const res = await call('subjectaccessreview', () =>
          authz.createSubjectAccessReview({
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SubjectAccessReview',
              spec: {
                user: q.user,
                groups: [...q.groups],
                ...(q.uid !== undefined ? { uid: q.uid } : {}),
                ...(q.extra !== undefined && Object.keys(q.extra).length > 0 ? { extra: copyExtra(q.extra) } : {}),
                nonResourceAttributes: { verb: q.verb, path: q.path },
              },
            },
          }),
        );
        return { allowed: res.status?.allowed === true && res.status.denied !== true, reason: res.status?.reason ?? '' };
      },
    },
  };
}

function copyExtra(extra: Readonly<Record<string, readonly string[]>> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(extra ?? {})) out[k] = [...v];
  return out;
}
