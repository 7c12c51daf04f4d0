/**
 * The Kubernetes Pod Security Standards "restricted" profile (policy version latest, as of
 * Kubernetes 1.30), as a pure check over a pod spec. kube-apiserver 1.20 — the control plane our
 * tests run — has no PodSecurity admission, so the integration test applies this check to the
 * rendered pod templates instead. Returns one human-readable violation per failed rule; [] = pass.
 *
 * Checked: host namespaces, privileged, capabilities (drop ALL; add only NET_BIND_SERVICE),
 * hostPath and other non-allowed volume types, hostPort, procMount, seccomp (RuntimeDefault or
 * Localhost, pod or every container), sysctls (safe set only), allowPrivilegeEscalation=false,
 * runAsNonRoot (pod or every container), runAsUser != 0, AppArmor annotations, SELinux types.
 */

type Obj = Record<string, unknown>;

const ALLOWED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const ALLOWED_SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}
function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

/** Violations of PSS "restricted" by a pod template (`{ metadata, spec }`); [] when compliant. */
export function restrictedViolations(template: { metadata?: unknown; spec?: unknown }): string[] {
  const v: string[] = [];
  const spec = obj(template.spec);
  const annotations = obj(obj(template.metadata)['annotations']);
  const podSc = obj(spec['securityContext']);
  const containers = [...list(spec['initContainers']), ...list(spec['containers']), ...list(spec['ephemeralContainers'])];

  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[f] === true) v.push(`pod: ${f} must not be true`);
  for (const vol of list(spec['volumes'])) {
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (type === undefined || !ALLOWED_VOLUME_TYPES.has(type)) v.push(`volume ${String(vol['name'])}: type ${String(type)} is not allowed`);
  }
  for (const [k, val] of Object.entries(annotations)) {
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && val !== 'runtime/default' && !String(val).startsWith('localhost/')) v.push(`annotation ${k}: ${String(val)} is not allowed`);
  }
  for (const s of list(podSc['sysctls'])) if (!SAFE_SYSCTLS.has(String(s['name']))) v.push(`pod: sysctl ${String(s['name'])} is not allowed`);
  const podSeccomp = obj(podSc['seccompProfile'])['type'];
  if (podSeccomp !== undefined && podSeccomp !== 'RuntimeDefault' && podSeccomp !== 'Localhost') v.push(`pod: seccompProfile.type ${String(podSeccomp)} is not allowed`);
  if (podSc['runAsUser'] === 0) v.push('pod: runAsUser must not be 0');
  if (!ALLOWED_SELINUX_TYPES.has(String(obj(podSc['seLinuxOptions'])['type'] ?? ''))) v.push('pod: seLinuxOptions.type is not allowed');

  for (const c of containers) {
    const name = `container ${String(c['name'])}`;
    const sc = obj(c['securityContext']);
    if (sc['privileged'] === true) v.push(`${name}: privileged must not be true`);
    if (sc['allowPrivilegeEscalation'] !== false) v.push(`${name}: allowPrivilegeEscalation must be false`);
    const caps = obj(sc['capabilities']);
    const drop = Array.isArray(caps['drop']) ? (caps['drop'] as unknown[]) : [];
    if (!drop.includes('ALL')) v.push(`${name}: capabilities.drop must include ALL`);
    const add = Array.isArray(caps['add']) ? (caps['add'] as unknown[]) : [];
    for (const a of add) if (a !== 'NET_BIND_SERVICE') v.push(`${name}: capability ${String(a)} must not be added`);
    const runAsNonRoot = sc['runAsNonRoot'] ?? podSc['runAsNonRoot'];
    if (runAsNonRoot !== true) v.push(`${name}: runAsNonRoot must be true (pod or container)`);
    if (sc['runAsUser'] === 0) v.push(`${name}: runAsUser must not be 0`);
    const seccomp = obj(sc['seccompProfile'])['type'] ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`${name}: seccompProfile.type must be RuntimeDefault or Localhost (pod or container)`);
    if (sc['procMount'] !== undefined && sc['procMount'] !== 'Default') v.push(`${name}: procMount must be Default`);
    if (!ALLOWED_SELINUX_TYPES.has(String(obj(sc['seLinuxOptions'])['type'] ?? ''))) v.push(`${name}: seLinuxOptions.type is not allowed`);
    for (const p of list(c['ports'])) if (p['hostPort'] !== undefined && p['hostPort'] !== 0) v.push(`${name}: hostPort must not be set`);
  }
  return v;
}

/**
 * certscrape's own hardening on top of "restricted": every container has a read-only root
 * filesystem, CPU and memory requests and limits, and a liveness and a readiness probe (the
 * example exporter, reachable only on loopback, may have a liveness probe only). [] = pass.
 */
export function hardeningViolations(template: { spec?: unknown }, options: { livenessOnly?: readonly string[] } = {}): string[] {
  const v: string[] = [];
  for (const c of list(obj(template.spec)['containers'])) {
    const name = `container ${String(c['name'])}`;
    if (obj(c['securityContext'])['readOnlyRootFilesystem'] !== true) v.push(`${name}: readOnlyRootFilesystem must be true`);
    const res = obj(c['resources']);
    for (const part of ['requests', 'limits']) for (const r of ['cpu', 'memory']) if (obj(res[part])[r] === undefined) v.push(`${name}: resources.${part}.${r} missing`);
    if (c['livenessProbe'] === undefined) v.push(`${name}: livenessProbe missing`);
    if (c['readinessProbe'] === undefined && !(options.livenessOnly ?? []).includes(String(c['name']))) v.push(`${name}: readinessProbe missing`);
  }
  return v;
}
