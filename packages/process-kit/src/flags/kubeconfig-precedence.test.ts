import { describe, expect, it } from 'vitest';
import { kubeconfigSource } from './kubeconfig-precedence.js';

const pod = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
const exists = (present: string[]) => (p: string) => present.includes(p);

// controller-runtime's config.GetConfig, case by case.
describe('kubeconfigSource', () => {
  it.each([
    ['the flag wins over everything', { flag: '/k', env: { ...pod, KUBECONFIG: '/a', HOME: '/h' } }, ['/sa/token', '/a'], { kind: 'explicit', path: '/k' }],
    ['KUBECONFIG wins over in-cluster', { env: { ...pod, KUBECONFIG: '/a:/b' } }, ['/sa/token', '/a', '/b'], { kind: 'KUBECONFIG', paths: ['/a', '/b'] }],
    ['KUBECONFIG drops empty, duplicate and missing entries', { env: { KUBECONFIG: '/a::/missing:/b:/a' } }, ['/a', '/b'], { kind: 'KUBECONFIG', paths: ['/a', '/b'] }],
    ['KUBECONFIG naming nothing that exists is still KUBECONFIG (no fallback)', { env: { ...pod, KUBECONFIG: '/x' } }, ['/sa/token'], { kind: 'KUBECONFIG', paths: [] }],
    ['in a pod without KUBECONFIG', { env: { ...pod, HOME: '/h' } }, ['/sa/token'], { kind: 'in-cluster', host: '10.0.0.1', port: '443', serviceAccountDir: '/sa' }],
    ['an empty KUBECONFIG counts as unset', { env: { ...pod, KUBECONFIG: '' } }, ['/sa/token'], { kind: 'in-cluster' }],
    ['in-cluster needs the token', { env: { ...pod, HOME: '/h' } }, [], { kind: 'default', path: '/h/.kube/config' }],
    ['otherwise ~/.kube/config', { env: { HOME: '/h' } }, [], { kind: 'default', path: '/h/.kube/config' }],
    ['an empty flag counts as not given', { flag: '', env: { HOME: '/h' } }, [], { kind: 'default', path: '/h/.kube/config' }],
  ])('%s', (_name, input, present, expected) => {
    expect(kubeconfigSource({ ...input, exists: exists(present), serviceAccountDir: '/sa' })).toMatchObject(expected);
  });
});
