import { describe, expect, it } from 'vitest';
import { objectId } from './kustomize.js';
import { DEPLOY_COMPONENTS, renderDeploy } from './apply-manifests.js';

describe('deploy/', () => {
  it('the top-level kustomization is exactly the union of the components', () => {
    const union = DEPLOY_COMPONENTS.flatMap((c) => renderDeploy(c).map(objectId)).sort();
    expect(renderDeploy().map(objectId).sort()).toEqual(union);
    expect(union.length).toBeGreaterThan(20);
  });

  it.each(DEPLOY_COMPONENTS.map((c) => [c]))('every object of %s carries app.kubernetes.io/name and part-of=certscrape', (component) => {
    for (const o of renderDeploy(component)) {
      expect(o.metadata.labels?.['app.kubernetes.io/part-of'], objectId(o)).toBe('certscrape');
      expect(o.metadata.labels?.['app.kubernetes.io/name'], objectId(o)).toMatch(/^[a-z-]+$/);
    }
  });
});
