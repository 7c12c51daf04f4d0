/** Every failure this package reports, as a stable code. Tests assert the code, never the message. */
export type LocalClusterErrorCode =
  | 'LOCAL_CLUSTER_ERR_STATE_DIR_LIVE' // `up` on a state dir whose processes are still running
  | 'LOCAL_CLUSTER_ERR_NO_STATE' // attach/status/down on a dir without a state file
  | 'LOCAL_CLUSTER_ERR_STATE_INVALID' // the state file exists but cannot be read as ours
  | 'LOCAL_CLUSTER_ERR_PROVISION' // provision.sh failed (missing packages, build failure)
  | 'LOCAL_CLUSTER_ERR_BINARY_MISSING' // a required executable is not where it should be
  | 'LOCAL_CLUSTER_ERR_START' // a process exited while we waited for it to become ready
  | 'LOCAL_CLUSTER_ERR_TIMEOUT' // a process did not become ready in time
  | 'LOCAL_CLUSTER_ERR_STOP' // a process would not die, even after SIGKILL
  | 'LOCAL_CLUSTER_ERR_DURATION' // an unparseable duration ("10m", "1h30m", "600")
  | 'LOCAL_CLUSTER_ERR_ARGUMENT' // an invalid option value (namespace/name, bind address, provider)
  | 'LOCAL_CLUSTER_ERR_KUBE' // a Kubernetes API call failed
  | 'LOCAL_CLUSTER_ERR_KIND' // the kind CLI failed
  | 'LOCAL_CLUSTER_ERR_NOT_SUPPORTED' // the operation does not exist for this provider (e.g. stopApiserver on kind)
  | 'LOCAL_CLUSTER_ERR_NOT_PROVIDED'; // localClusterFromInject() without the vitest global setup

/** The one error class of `@certscrape/local-cluster`; `code` is stable, `message` is for humans. */
export class LocalClusterError extends Error {
  readonly code: LocalClusterErrorCode;
  constructor(code: LocalClusterErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalClusterError';
    this.code = code;
  }
}

/** True when `e` is a LocalClusterError (with `code`, when given). */
export function isLocalClusterError(e: unknown, code?: LocalClusterErrorCode): e is LocalClusterError {
  return e instanceof LocalClusterError && (code === undefined || e.code === code);
}
