import { join } from 'node:path';

/** Where everything lives inside a state dir. One place, so the CLI, the library and the tests agree. */
export interface ClusterPaths {
  readonly stateDir: string;
  readonly stateFile: string;
  readonly lockFile: string;
  readonly pkiDir: string;
  readonly logDir: string;
  readonly etcdDataDir: string;
  readonly caCert: string;
  readonly caKey: string;
  /** kube-apiserver --client-ca-file: the cluster CA plus any CSR signing CA (rewritten by setClientCaBundle). */
  readonly clientCaBundle: string;
  /** kube-controller-manager --cluster-signing-cert-file / --cluster-signing-key-file (the cluster CA unless a separate signing CA is used). */
  readonly signerCert: string;
  readonly signerKey: string;
  readonly apiserverCert: string;
  readonly apiserverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly controllerManagerClientCert: string;
  readonly controllerManagerClientKey: string;
  readonly controllerManagerServingCert: string;
  readonly controllerManagerServingKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPublicKey: string;
  readonly adminKubeconfig: string;
  readonly controllerManagerKubeconfig: string;
  readonly apiserverCertDir: string;
  readonly controllerManagerCertDir: string;
  readonly kindConfig: string;
  log(name: string): string;
}

/** The fixed layout under `stateDir` (which should be absolute). */
export function clusterPaths(stateDir: string): ClusterPaths {
  const pki = join(stateDir, 'pki');
  const logs = join(stateDir, 'logs');
  return {
    stateDir,
    stateFile: join(stateDir, 'state.json'),
    lockFile: join(stateDir, 'up.lock'),
    pkiDir: pki,
    logDir: logs,
    etcdDataDir: join(stateDir, 'etcd-data'),
    caCert: join(pki, 'ca.crt'),
    caKey: join(pki, 'ca.key'),
    clientCaBundle: join(pki, 'client-ca-bundle.crt'),
    signerCert: join(pki, 'signer.crt'),
    signerKey: join(pki, 'signer.key'),
    apiserverCert: join(pki, 'kube-apiserver.crt'),
    apiserverKey: join(pki, 'kube-apiserver.key'),
    adminCert: join(pki, 'admin.crt'),
    adminKey: join(pki, 'admin.key'),
    controllerManagerClientCert: join(pki, 'kube-controller-manager-client.crt'),
    controllerManagerClientKey: join(pki, 'kube-controller-manager-client.key'),
    controllerManagerServingCert: join(pki, 'kube-controller-manager-serving.crt'),
    controllerManagerServingKey: join(pki, 'kube-controller-manager-serving.key'),
    serviceAccountKey: join(pki, 'service-account.key'),
    serviceAccountPublicKey: join(pki, 'service-account.pub'),
    adminKubeconfig: join(stateDir, 'admin.kubeconfig'),
    controllerManagerKubeconfig: join(stateDir, 'kube-controller-manager.kubeconfig'),
    apiserverCertDir: join(stateDir, 'run', 'kube-apiserver'),
    controllerManagerCertDir: join(stateDir, 'run', 'kube-controller-manager'),
    kindConfig: join(stateDir, 'kind-config.yaml'),
    log: (name: string) => join(logs, `${name}.log`),
  };
}
