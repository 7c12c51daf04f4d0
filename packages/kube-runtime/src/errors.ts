/** Stable codes for every failure kube-runtime raises itself. */
export type KubeRuntimeErrorCode =
  | 'KUBE_RUNTIME_ERR_KUBECONFIG'
  | 'KUBE_RUNTIME_ERR_BIND_ADDRESS'
  | 'KUBE_RUNTIME_ERR_METRICS_TLS'
  | 'KUBE_RUNTIME_ERR_LEASE'
  | 'KUBE_RUNTIME_ERR_WATCH'
  | 'KUBE_RUNTIME_ERR_SHUTDOWN'
  | 'KUBE_RUNTIME_ERR_UNREACHABLE'; // the fail-fast probe at start got no (or a refusing) answer

/** The one error class of this package; tests assert `code`, never the message. */
export class KubeRuntimeError extends Error {
  readonly code: KubeRuntimeErrorCode;
  constructor(code: KubeRuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeRuntimeError';
    this.code = code;
  }
}

/** True when `e` is a KubeRuntimeError (optionally with this exact code). */
export function isKubeRuntimeError(e: unknown, code?: KubeRuntimeErrorCode): e is KubeRuntimeError {
  return e instanceof KubeRuntimeError && (code === undefined || e.code === code);
}
