import { describe, expect, it } from 'vitest';
import { isE2eError } from './errors.js';
import { parseKubeconfig, tokenKubeconfig } from './kubeconfig-credentials.js';

describe('kubeconfig credentials', () => {
  it('round-trips a token kubeconfig: server, CA and token of the current context', () => {
    const text = tokenKubeconfig({ server: 'https://10.213.0.1:6443', caPem: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n', token: 'abc.def', name: 'target' });
    const c = parseKubeconfig(text);
    expect(c.server).toBe('https://10.213.0.1:6443');
    expect(c.caPem).toContain('BEGIN CERTIFICATE');
    expect(c.token).toBe('abc.def');
    expect(c.clientCertPem).toBeUndefined();
  });

  it('follows current-context, not the first entry', () => {
    const text = `apiVersion: v1
kind: Config
clusters: [{name: a, cluster: {server: "https://a"}}, {name: b, cluster: {server: "https://b"}}]
users: [{name: ua, user: {token: ta}}, {name: ub, user: {token: tb}}]
contexts: [{name: ca, context: {cluster: a, user: ua}}, {name: cb, context: {cluster: b, user: ub}}]
current-context: cb
`;
    expect(parseKubeconfig(text)).toMatchObject({ server: 'https://b', token: 'tb' });
  });

  it('fails with E2E_ERR_KUBE when there is no server', () => {
    try {
      parseKubeconfig('apiVersion: v1\nkind: Config\n');
      expect.unreachable();
    } catch (e) {
      expect(isE2eError(e, 'E2E_ERR_KUBE')).toBe(true);
    }
  });
});
