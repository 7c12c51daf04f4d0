/**
 * Flags for an extra kube-controller-manager started only as a scrape target: it runs one harmless
 * controller (the cluster's own instance does the real work), no leader election and no insecure
 * port, and authenticates and authorizes its /metrics by delegation to kube-apiserver (TokenReview,
 * SubjectAccessReview with a 10 s cache) as a stock control plane does. The caller adds where it
 * serves (`--bind-address`, `--secure-port`, `--cert-dir` or `--tls-*`) and any
 * `--authorization-always-allow-paths`. Pure.
 */
export function controllerManagerTargetFlags(kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--controllers=csrcleaner',
    '--leader-elect=false',
    '--port=0',
  ];
}
