// deploy/ applied to the real local control plane (kube-apiserver 1.20): every kustomization
// applies with server-side apply (real validation, each object's JSON unmodified), re-applying is a
// no-op, the pod specs meet PodSecurity "restricted", and every container's args are flags its app
// documents — run by the image exactly as the Deployment passes them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSidecarFlags } from '@certscrape/target-auth';
import { ApplyError, DEPLOY_SAMPLES, applyKustomization, applyObjects, forServer, renderDeploy } from './support/apply-manifests.js';
import type { DeployRenderOptions } from './support/apply-manifests.js';
import { DeployFixture } from './support/deploy-fixture.js';
import { BINS, IMAGE_PREFIX, REPO_ROOT, containersOf, helpFlags } from './support/deploy-pod.js';
import { objectId } from './support/kustomize.js';
import type { KubeObject } from './support/kustomize.js';
import { hardeningViolations, restrictedViolations } from './support/pod-security.js';

/** What a bare cluster gets: the base, its bare-cluster component, and both samples. */
const INSTALL: DeployRenderOptions = { components: ['bare-cluster'], samples: [...DEPLOY_SAMPLES] };
const rendered = renderDeploy(INSTALL);
const deployments = rendered.filter((o) => o.kind === 'Deployment');
const roles = rendered.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');

let fx: DeployFixture;

beforeAll(async () => {
  fx = await DeployFixture.open();
  await applyKustomization(fx.admin, INSTALL);
  await fx.settleServiceAccounts(rendered);
});

afterAll(async () => {
  await fx?.close();
});

describe('applying deploy/ to kube-apiserver', () => {
  it.each([
    ['the base', {}],
    ['the base with components/bare-cluster', { components: ['bare-cluster'] }],
    ...DEPLOY_SAMPLES.map((s) => [`samples/${s}`, { samples: [s] }] as const),
  ] as [string, DeployRenderOptions][])('%s applies cleanly, and re-applying it is a no-op (same resourceVersion)', async (_what, what) => {
    const objects = KubernetesObjectApi.makeApiClient(fx.admin);
    const only = await forServer(fx.admin, renderDeploy(what));
    const before = new Map<string, string | undefined>();
    for (const o of only) {
      const live = await objects.read({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } });
      before.set(objectId(o), live.metadata?.resourceVersion);
    }
    const applied = await applyObjects(fx.admin, only);
    expect(applied.length).toBe(before.size);
    for (const a of applied) {
      const id = objectId(a as KubeObject);
      expect(a.metadata?.resourceVersion, id).toBe(before.get(id));
    }
  });

  it('the server stores what was rendered (no field silently dropped)', async () => {
    const objects = KubernetesObjectApi.makeApiClient(fx.admin);
    for (const d of deployments) {
      const live = (await objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: d.metadata.name, namespace: d.metadata.namespace } })) as unknown as KubeObject;
      const pick = (o: KubeObject) => {
        const spec = (o['spec'] as { template: { spec: { affinity?: unknown; containers: { name: string; args?: string[]; securityContext?: unknown }[] } } }).template.spec;
        return { affinity: spec.affinity, containers: spec.containers.map((c) => ({ name: c.name, args: c.args, securityContext: c.securityContext })) };
      };
      expect(pick(live), d.metadata.name).toEqual(pick(d));
    }
    for (const r of roles) {
      const live = (await objects.read({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.metadata.name, namespace: r.metadata.namespace } })) as unknown as { rules?: unknown };
      expect(live.rules, objectId(r)).toEqual(r['rules']);
    }
    for (const o of (await forServer(fx.admin, rendered)).filter((x) => x.kind === 'PodDisruptionBudget' || x.kind === 'NetworkPolicy')) {
      const live = (await objects.read({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } })) as unknown as KubeObject;
      // (client-node's typed objects name NetworkPolicy's `from` `_from`.)
      expect(JSON.parse(JSON.stringify(live['spec']).replaceAll('"_from":', '"from":')), objectId(o)).toMatchObject(o['spec'] as object);
    }
  });

  it('is really validated by the server: a typo or an inconsistent Deployment is refused', async () => {
    const base = deployments.find((d) => d.metadata.name === 'csr-approver');
    if (base === undefined) throw new Error('csr-approver Deployment not rendered');
    const typo = structuredClone(base);
    const c = (typo['spec'] as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0]!;
    c['securityContext'] = { ...(c['securityContext'] as object), readOnlyRootFileSystem: true };
    const mismatch = structuredClone(base);
    (mismatch['spec'] as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels = { 'app.kubernetes.io/name': 'something-else' };
    for (const [what, o, said] of [
      ['typo', typo, /readOnlyRootFileSystem/],
      ['selector mismatch', mismatch, /selector/],
    ] as const) {
      const err = await applyObjects(fx.admin, [o], { dryRun: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, what).toBeInstanceOf(ApplyError);
      expect((err as ApplyError).code).toBe('APPLY_ERR_REJECTED');
      expect((err as ApplyError).status, what).toBeGreaterThanOrEqual(400);
      expect((err as ApplyError).message, what).toMatch(said);
    }
  });

  it('every pod template meets PodSecurity "restricted" (1.20 has no PodSecurity admission) and certscrape hardening', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['csr-approver', 'example-exporter', 'monitoring-operator', 'prometheus-certscrape']);
    for (const d of deployments) {
      const template = (d['spec'] as { template: { metadata?: unknown; spec?: unknown } }).template;
      expect(restrictedViolations(template), d.metadata.name).toEqual([]);
      // The example exporter listens on loopback only: it has a liveness (exec) probe, no readiness probe.
      expect(hardeningViolations(template, { livenessOnly: ['exporter'] }), d.metadata.name).toEqual([]);
    }
  });
});

/** `ENTRYPOINT`/`CMD` of the Dockerfile's final stage, exec form only (a shell form would not forward signals). */
function finalStage(dockerfile: string): { entrypoint: string[] | undefined; cmd: string[] | undefined } {
  const lines = dockerfile.split('\n');
  const from = lines.map((l, i) => (/^FROM\s/i.test(l) ? i : -1)).filter((i) => i >= 0).pop() ?? 0;
  const exec = (kw: string): string[] | undefined => {
    const line = lines.slice(from).filter((l) => new RegExp(`^${kw}\\s`, 'i').test(l)).pop();
    if (line === undefined) return undefined;
    const json = line.replace(new RegExp(`^${kw}\\s+`, 'i'), '');
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) throw new Error(`${kw} is not in exec form: ${line}`);
    return parsed as string[];
  };
  return { entrypoint: exec('ENTRYPOINT'), cmd: exec('CMD') };
}

describe('the Deployments run what the images contain', () => {
  it("every flag in the Deployments is one the app's own --help documents", () => {
    const certscrapeContainers = deployments.flatMap((d) => containersOf(d).filter((c) => c.image.startsWith(IMAGE_PREFIX)).map((c) => ({ deployment: d.metadata.name, ...c })));
    expect(certscrapeContainers.map((c) => c.name).sort()).toEqual(['csr-approver', 'monitoring-operator', 'scraper-proxy', 'target-auth']);
    for (const c of certscrapeContainers) {
      const app = c.image.slice(IMAGE_PREFIX.length).split(':')[0] ?? '';
      const bin = BINS[app];
      if (bin === undefined) throw new Error(`no bin known for image ${c.image}`);
      const documented = helpFlags(bin);
      for (const arg of c.args) {
        expect(arg, `${c.deployment}/${c.name}`).toMatch(/^--[a-z0-9-]+=\S+$/);
        expect(documented, `${c.deployment}/${c.name}: ${arg} is not in ${bin} --help`).toContain(arg.split('=')[0]);
      }
    }
    // The sidecar's flags are also fully validated by its own parser (a library export).
    const sidecar = certscrapeContainers.find((c) => c.name === 'target-auth');
    expect(parseSidecarFlags([...(sidecar?.args ?? [])]).kind).toBe('run');
  });

  it("the image's entrypoint is the app's bin and its CMD is empty, so a Deployment's `args:` reach the app as flags (not node)", () => {
    // `args:` replaces the image's CMD and `command:` its ENTRYPOINT. With the bin in CMD (the
    // earlier images), `args:` replaced the bin and node received the app's flags (exit 9).
    const { entrypoint, cmd } = finalStage(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
    expect(cmd).toEqual([]);
    expect(entrypoint).toBeDefined();
    const script = entrypoint?.[entrypoint.indexOf('node') + 1];
    expect(entrypoint, 'node runs a script').toContain('node');
    expect(script).toBe('/app/main.js');
    // main.js is the app's one package.json bin (scripts/image-stage.sh links it): the bins the tests run.
    for (const [app, bin] of Object.entries(BINS)) {
      const dir = bin.split('/bin/')[0] ?? '';
      const pkg = JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
      expect(Object.values(pkg.bin ?? {}).map((b) => join(dir, b)), app).toEqual([bin]);
    }
    for (const d of deployments) {
      for (const c of containersOf(d).filter((x) => x.image.startsWith(IMAGE_PREFIX))) expect(c.command, `${d.metadata.name}/${c.name} must not replace the entrypoint`).toBeUndefined();
    }
  });
});
