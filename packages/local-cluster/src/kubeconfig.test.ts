import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kubeconfigCluster, renderKubeconfig } from './kubeconfig.js';

const CA = '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('renderKubeconfig', () => {
  it('embeds CA, client certificate and key as base64 *-data and selects the one context', () => {
    const text = renderKubeconfig({
      clusterName: 'c',
      server: 'https://127.0.0.1:6443',
      caPem: CA,
      userName: 'admin',
      credentials: { clientCertificatePem: 'CERT', clientKeyPem: 'KEY' },
    });
    const doc = parse(text);
    expect(doc).toMatchObject({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'admin@c',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64(CA) } }],
      users: [{ name: 'admin', user: { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') } }],
      contexts: [{ name: 'admin@c', context: { cluster: 'c', user: 'admin' } }],
    });
    expect(doc.users[0].user.token).toBeUndefined();
  });

  it('carries a token and a default namespace for service accounts', () => {
    const doc = parse(
      renderKubeconfig({ clusterName: 'c', server: 'https://s', caPem: CA, userName: 'system:serviceaccount:ns:sa', credentials: { token: 'tok' }, namespace: 'ns' }),
    );
    expect(doc.users[0].user).toEqual({ token: 'tok' });
    expect(doc.contexts[0].context.namespace).toBe('ns');
  });

  it('is read back by kubeconfigCluster', () => {
    const text = renderKubeconfig({ clusterName: 'c', server: 'https://x:1', caPem: CA, userName: 'u', credentials: { clientCertificatePem: 'C', clientKeyPem: 'K' } });
    expect(kubeconfigCluster(text)).toEqual({ server: 'https://x:1', caPem: CA, clientCertificatePem: 'C', clientKeyPem: 'K' });
  });
});

describe('kubeconfigCluster', () => {
  it('follows current-context to its cluster and user', () => {
    const text = `
current-context: b
contexts: [{name: a, context: {cluster: one, user: ua}}, {name: b, context: {cluster: two, user: ub}}]
clusters: [{name: one, cluster: {server: 'https://one'}}, {name: two, cluster: {server: 'https://two', certificate-authority-data: ${b64(CA)}}}]
users: [{name: ua, user: {}}, {name: ub, user: {client-certificate-data: ${b64('C')}, client-key-data: ${b64('K')}}}]
`;
    expect(kubeconfigCluster(text)).toEqual({ server: 'https://two', caPem: CA, clientCertificatePem: 'C', clientKeyPem: 'K' });
  });

  it('refuses a kubeconfig without a server with LOCAL_CLUSTER_ERR_ARGUMENT', () => {
    expect(() => kubeconfigCluster('clusters: []')).toThrow(expect.objectContaining({ code: 'LOCAL_CLUSTER_ERR_ARGUMENT' }));
    expect(() => kubeconfigCluster(': : :\n\t- [')).toThrow(expect.objectContaining({ code: 'LOCAL_CLUSTER_ERR_ARGUMENT' }));
  });
});
