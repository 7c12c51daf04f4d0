import { describe, expect, it } from 'vitest';
import { hardeningViolations, restrictedViolations } from './pod-security.js';

const good = () => ({
  metadata: {},
  spec: {
    securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'c',
        image: 'i',
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        resources: { requests: { cpu: '1m', memory: '1Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        livenessProbe: { tcpSocket: { port: 1 } },
        readinessProbe: { tcpSocket: { port: 1 } },
      },
    ],
    volumes: [{ name: 'tmp', emptyDir: {} }],
  },
});

type Template = ReturnType<typeof good>;
type Spec = Template['spec'] & Record<string, unknown>;
type Container = Template['spec']['containers'][number] & Record<string, unknown>;

describe('restrictedViolations', () => {
  it('if every rule holds, pass', () => {
    expect(restrictedViolations(good())).toEqual([]);
    expect(hardeningViolations(good())).toEqual([]);
  });

  it.each<[string, (t: { spec: Spec; c: Container }) => void, RegExp]>([
    ['if the pod uses the host network, refuse', ({ spec }) => (spec['hostNetwork'] = true), /hostNetwork/],
    ['if a container is privileged, refuse', ({ c }) => ((c.securityContext as Record<string, unknown>)['privileged'] = true), /privileged/],
    ['if privilege escalation is not disabled, refuse', ({ c }) => delete (c.securityContext as Record<string, unknown>)['allowPrivilegeEscalation'], /allowPrivilegeEscalation/],
    ['if capabilities are not all dropped, refuse', ({ c }) => (c.securityContext.capabilities = { drop: ['NET_RAW'] }), /drop must include ALL/],
    ['if a capability other than NET_BIND_SERVICE is added, refuse', ({ c }) => ((c.securityContext.capabilities as Record<string, unknown>)['add'] = ['NET_ADMIN']), /NET_ADMIN/],
    ['if runAsNonRoot is missing everywhere, refuse', ({ spec }) => delete (spec.securityContext as Record<string, unknown>)['runAsNonRoot'], /runAsNonRoot/],
    ['if a container runs as uid 0, refuse', ({ c }) => ((c.securityContext as Record<string, unknown>)['runAsUser'] = 0), /runAsUser/],
    ['if seccomp is missing everywhere, refuse', ({ spec }) => delete (spec.securityContext as Record<string, unknown>)['seccompProfile'], /seccompProfile/],
    ['if seccomp is Unconfined, refuse', ({ c }) => ((c.securityContext as Record<string, unknown>)['seccompProfile'] = { type: 'Unconfined' }), /seccompProfile/],
    ['if a hostPath volume is used, refuse', ({ spec }) => spec.volumes.push({ name: 'h', hostPath: { path: '/' } } as never), /hostPath/],
    ['if a hostPort is set, refuse', ({ c }) => (c['ports'] = [{ containerPort: 1, hostPort: 1 }]), /hostPort/],
    ['if an unsafe sysctl is set, refuse', ({ spec }) => ((spec.securityContext as Record<string, unknown>)['sysctls'] = [{ name: 'kernel.msgmax', value: '1' }]), /sysctl/],
  ])('%s', (_name, mutate, message) => {
    const t = good();
    mutate({ spec: t.spec as Spec, c: t.spec.containers[0] as Container });
    expect(restrictedViolations(t).join('\n')).toMatch(message);
  });
});

describe('hardeningViolations', () => {
  it.each<[string, (c: Container) => void, RegExp]>([
    ['if the root filesystem is writable, refuse', (c) => ((c.securityContext as Record<string, unknown>)['readOnlyRootFilesystem'] = false), /readOnlyRootFilesystem/],
    ['if a memory limit is missing, refuse', (c) => delete (c.resources.limits as Record<string, unknown>)['memory'], /limits.memory/],
    ['if the readiness probe is missing, refuse', (c) => delete (c as Record<string, unknown>)['readinessProbe'], /readinessProbe/],
  ])('%s', (_name, mutate, message) => {
    const t = good();
    mutate(t.spec.containers[0] as Container);
    expect(hardeningViolations(t).join('\n')).toMatch(message);
  });

  it('allows a liveness-only container when named', () => {
    const t = good();
    delete (t.spec.containers[0] as Record<string, unknown>)['readinessProbe'];
    expect(hardeningViolations(t, { livenessOnly: ['c'] })).toEqual([]);
  });
});
