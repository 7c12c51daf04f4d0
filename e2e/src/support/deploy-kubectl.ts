import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './kustomize.js';

/**
 * Whether `kubectl` runs here. kubectl 1.32 (kustomize v5.5) is on these machines but is not a
 * project dependency, so the tests that use it as a reference check this first.
 */
export const KUBECTL_AVAILABLE: boolean = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** `kubectl kustomize <dir>`, parsed (YAML 1.1, as Kubernetes tooling reads it). */
export function kubectlKustomize(dir: string): KubeObject[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  return parseAllDocuments(out, { version: '1.1' }).map((d) => d.toJS() as KubeObject);
}
