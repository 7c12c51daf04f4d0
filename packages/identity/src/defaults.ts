/**
 * The names and defaults of design.md ("Names and defaults"). Change them only
 * deliberately, and everywhere at once: deploy/ and the apps' flags use the same values.
 */

/** The signer the scraper's client certificate is issued by. */
export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
/** Namespace of the monitoring stack. */
export const DEFAULT_NAMESPACE = 'monitoring';
/** The scraper identity: the certificate subject is `CN=` this, with no `O`. */
export const DEFAULT_SCRAPER_USERNAME = 'system:serviceaccount:monitoring:prometheus-k8s';
/** Requested lifetime, 30 days. Signers may issue less (and Kubernetes < 1.22 ignores the field). */
export const DEFAULT_EXPIRATION_SECONDS = 2_592_000;
/** The smallest `spec.expirationSeconds` Kubernetes accepts, and so the policy's floor. */
export const MIN_EXPIRATION_SECONDS = 600;
/** Label the operator puts on its CSRs: a filtering hint, never a security boundary. */
export const CSR_SUBJECT_LABEL = 'certscrape.io/csr-subject';
/** `metadata.generateName` of the operator's CSRs. */
export const CSR_GENERATE_NAME = 'certscrape-metrics-client-';
/** Name of the Secret holding `tls.crt` and `tls.key`. */
export const DEFAULT_CLIENT_CERT_SECRET = 'metrics-client-certs';
/** Name of the ConfigMap mirroring the client CA bundle, and its key. */
export const DEFAULT_CLIENT_CA_CONFIGMAP = 'metrics-client-ca';
export const CLIENT_CA_CONFIGMAP_KEY = 'client-ca.crt';
/** Secret annotations carrying the installed certificate's validity window (RFC 3339). */
export const NOT_BEFORE_ANNOTATION = 'certscrape.io/not-before';
export const NOT_AFTER_ANNOTATION = 'certscrape.io/not-after';
/** The group that must never be granted through this path. */
export const SYSTEM_MASTERS = 'system:masters';
