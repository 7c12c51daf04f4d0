import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from './kustomize.js';

/** The repository root (bins are run from here, as the image's WORKDIR holds the same tree). */
export const REPO_ROOT: string = fileURLToPath(new URL('../../../', import.meta.url));

/** Every certscrape image is `ghcr.io/certscrape/<app>` (the IMAGES helper's scripts/images.sh tags them so). */
export const IMAGE_PREFIX = 'ghcr.io/certscrape/';

/** Image name -> the bin the image runs (relative to the repository root). */
export const BINS: Readonly<Record<string, string>> = {
  'csr-approver': 'apps/csr-approver/bin/certscrape-csr-approver.js',
  'monitoring-operator': 'apps/monitoring-operator/bin/certscrape-monitoring-operator.js',
  'scraper-proxy': 'apps/scraper-proxy/bin/certscrape-scraper-proxy.js',
  'target-auth': 'packages/target-auth/bin/certscrape-target-auth.js',
};

/** A container of a pod template, the fields these tests read. */
export interface ContainerView {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args: readonly string[];
  readonly env: readonly { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
}

/** The containers of a Deployment's pod template. */
export function containersOf(d: KubeObject): ContainerView[] {
  const spec = d['spec'] as { template: { spec: { containers: { name: string; image: string; command?: string[]; args?: string[]; env?: ContainerView['env'] }[] } } };
  return spec.template.spec.containers.map((c) => ({ name: c.name, image: c.image, ...(c.command ? { command: c.command } : {}), args: c.args ?? [], env: c.env ?? [] }));
}

/** One container of one rendered Deployment (throws when either is missing). */
export function containerOf(objects: readonly KubeObject[], deployment: string, container: string): ContainerView {
  const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === deployment);
  const c = d === undefined ? undefined : containersOf(d).find((x) => x.name === container);
  if (c === undefined) throw new Error(`${deployment}/${container} not rendered`);
  return c;
}

/**
 * The environment the kubelet gives `c` in a pod of `namespace` named `podName`: literal values
 * and the downward-API fields metadata.name / metadata.namespace (other sources are refused, so a
 * new kind of env var cannot slip through untested).
 */
export function podEnv(c: ContainerView, pod: { namespace: string; name: string }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env) {
    if (e.value !== undefined) env[e.name] = expandKubeletReferences(e.value, env);
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = pod.namespace;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = pod.name;
    else throw new Error(`${c.name}: env ${e.name} has a source these tests do not model`);
  }
  return env;
}

/**
 * Kubernetes' `$(VAR)` expansion of command, args and env values (k8s.io/kubernetes
 * third_party/forked/golang/expansion): `$(NAME)` is replaced by a defined variable, left as is
 * when undefined; `$$` is an escaped `$`; any other `$` is literal.
 */
export function expandKubeletReferences(text: string, env: Readonly<Record<string, string>>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '$' || i + 1 >= text.length) {
      out += ch;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = text.indexOf(')', i + 2);
      if (close === -1) {
        out += text.slice(i);
        break;
      }
      const name = text.slice(i + 2, close);
      out += Object.prototype.hasOwnProperty.call(env, name) ? env[name] : `$(${name})`;
      i = close;
    } else {
      out += ch;
    }
  }
  return out;
}

/** The args of a container as the process in the pod receives them (`$(VAR)` expanded). */
export function podArgs(c: ContainerView, pod: { namespace: string; name: string }): string[] {
  const env = podEnv(c, pod);
  return c.args.map((a) => expandKubeletReferences(a, env));
}

/** The `--flags` a bin's --help documents. Runs the BUILT bin (the nx `integration` target builds first). */
export function helpFlags(bin: string): string[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, [join(REPO_ROOT, bin), '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`${bin} --help failed — is it built? (npx nx run @certscrape/e2e:integration builds first): ${e instanceof Error ? e.message : String(e)}`);
  }
  return [...new Set(out.match(/--[a-z0-9-]+/g) ?? [])];
}

/** The flag values that are mounted files (under /etc/), moved under `root` (a pod's filesystem, recreated in a scratch dir). */
export function reroot(args: readonly string[], root: string): string[] {
  return args.map((a) => {
    const m = /^(--[a-z0-9-]+=)(\/etc\/.*)$/.exec(a);
    return m ? `${m[1]}${join(root, m[2] ?? '')}` : a;
  });
}

/** Writes `text` at `path` inside the scratch pod filesystem `root`. */
export function writeAt(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
