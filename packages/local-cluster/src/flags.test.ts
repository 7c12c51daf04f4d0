import { describe, expect, it } from 'vitest';
import {
  apiserverCommand,
  controllerManagerCommand,
  etcdCommand,
  hasLegacyInsecurePorts,
  parseKubeVersion,
  serverUrl,
  type ClusterPlan,
} from './flags.js';
import { clusterPaths } from './layout.js';

const paths = clusterPaths('/state');
const plan = (over: Partial<ClusterPlan> = {}): ClusterPlan => ({
  bindAddress: '127.0.0.1',
  signingDurationSeconds: 600,
  ports: { etcdClient: 2001, etcdPeer: 2002, etcdMetrics: 2003, apiserver: 6443, controllerManager: 10257 },
  binaries: { etcd: '/usr/bin/etcd', kubeApiserver: '/bin/kube-apiserver', kubeControllerManager: '/bin/kube-controller-manager' },
  kubeVersion: { major: 1, minor: 20, raw: 'Kubernetes v1.20.5+really1.20.2' },
  ...over,
});
const flagMap = (args: readonly string[]): Map<string, string> =>
  new Map(args.map((a) => [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));

describe('kube-controller-manager flags', () => {
  const f = flagMap(controllerManagerCommand(plan(), paths).args);

  it('runs exactly the csr signing/cleaning, service-account and namespace controllers, never csrapproving', () => {
    expect(f.get('controllers')).toBe('csrsigning,csrcleaner,serviceaccount-token,serviceaccount,namespace');
    expect(f.get('controllers')).not.toContain('csrapproving');
  });

  it('signs with the signing CA files (rewritten by setSigningCa) for the planned duration, as a Go duration', () => {
    expect(f.get('cluster-signing-cert-file')).toBe(paths.signerCert);
    expect(f.get('cluster-signing-key-file')).toBe(paths.signerKey);
    expect(f.get('cluster-signing-duration')).toBe('10m0s');
  });

  it('uses its own credentials, no leader election, service-account key and root CA', () => {
    expect(f.get('use-service-account-credentials')).toBe('false');
    expect(f.get('leader-elect')).toBe('false');
    expect(f.get('service-account-private-key-file')).toBe(paths.serviceAccountKey);
    expect(f.get('root-ca-file')).toBe(paths.caCert);
    expect(f.get('kubeconfig')).toBe(paths.controllerManagerKubeconfig);
  });

  it('serves health on loopback at the planned port, and closes the 1.20 insecure port', () => {
    expect(f.get('bind-address')).toBe('127.0.0.1');
    expect(f.get('secure-port')).toBe('10257');
    expect(f.get('port')).toBe('0');
  });

  it('does not pass --port to 1.24+, where it no longer exists', () => {
    const args = controllerManagerCommand(plan({ kubeVersion: { major: 1, minor: 30, raw: 'v1.30.0' } }), paths).args;
    expect(flagMap(args).has('port')).toBe(false);
  });
});

describe('kube-apiserver flags', () => {
  it('authenticates client certs against the cluster CA and authorizes with Node,RBAC', () => {
    const f = flagMap(apiserverCommand(plan(), paths).args);
    expect(f.get('client-ca-file')).toBe(paths.clientCaBundle);
    expect(f.get('authorization-mode')).toBe('Node,RBAC');
    expect(f.get('tls-cert-file')).toBe(paths.apiserverCert);
    expect(f.get('etcd-servers')).toBe('http://127.0.0.1:2001');
    expect(f.get('secure-port')).toBe('6443');
    expect(f.get('insecure-port')).toBe('0');
  });

  it('enables TokenRequest: issuer, signing key, verification key, audiences', () => {
    const f = flagMap(apiserverCommand(plan(), paths).args);
    expect(f.get('service-account-issuer')).toBe('https://kubernetes.default.svc.cluster.local');
    expect(f.get('service-account-signing-key-file')).toBe(paths.serviceAccountKey);
    expect(f.get('service-account-key-file')).toBe(paths.serviceAccountPublicKey);
    expect(f.get('api-audiences')).toBe('https://kubernetes.default.svc.cluster.local');
  });

  it('binds and advertises the bind address; an unspecified one advertises loopback', () => {
    const a = flagMap(apiserverCommand(plan({ bindAddress: '10.200.0.1' }), paths).args);
    expect(a.get('bind-address')).toBe('10.200.0.1');
    expect(a.get('advertise-address')).toBe('10.200.0.1');
    const b = flagMap(apiserverCommand(plan({ bindAddress: '0.0.0.0' }), paths).args);
    expect(b.get('bind-address')).toBe('0.0.0.0');
    expect(b.get('advertise-address')).toBe('127.0.0.1');
  });
});

describe('etcd flags', () => {
  it('listens on loopback only, with its data under the state dir', () => {
    const f = flagMap(etcdCommand(plan({ bindAddress: '0.0.0.0' }), paths).args);
    expect(f.get('data-dir')).toBe('/state/etcd-data');
    expect(f.get('listen-client-urls')).toBe('http://127.0.0.1:2001');
    expect(f.get('listen-peer-urls')).toBe('http://127.0.0.1:2002');
    expect(f.get('listen-metrics-urls')).toBe('http://127.0.0.1:2003');
  });
});

describe('versions and URLs', () => {
  it.each([
    ['Kubernetes v1.20.5+really1.20.2', 1, 20, true],
    ['Kubernetes v1.23.17', 1, 23, true],
    ['Kubernetes v1.24.0', 1, 24, false],
    ['Kubernetes v0.0.0-master+$Format:%h$', 1, 20, true],
    ['garbage', 1, 20, true],
  ])('%j is %d.%d (legacy insecure ports: %s)', (text, major, minor, legacy) => {
    const v = parseKubeVersion(text);
    expect([v.major, v.minor]).toEqual([major, minor]);
    expect(hasLegacyInsecurePorts(v)).toBe(legacy);
  });

  it.each([
    ['127.0.0.1', 'https://127.0.0.1:6443'],
    ['0.0.0.0', 'https://127.0.0.1:6443'],
    ['10.1.2.3', 'https://10.1.2.3:6443'],
    ['::1', 'https://[::1]:6443'],
  ])('server URL for bind address %s is %s', (bind, url) => {
    expect(serverUrl(bind, 6443)).toBe(url);
  });
});
