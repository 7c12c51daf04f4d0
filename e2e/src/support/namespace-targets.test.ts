import { describe, expect, it } from 'vitest';
import { CONTROLLER_MANAGER_PORTS } from './controller-manager-targets.js';
import { TARGET_PORTS } from './namespace-targets.js';

describe('ports inside the target namespace', () => {
  it('every process in the namespace listens on a port of its own (a clash would let one target answer for another)', () => {
    // Regression: the shared exporter's sidecar once took 9446, kube-controller-manager's sidecar's port; the
    // kube-controller-manager jobs then scraped node-exporter through the other sidecar and still looked up.
    const ports = [...Object.values(TARGET_PORTS), ...Object.values(CONTROLLER_MANAGER_PORTS)];
    expect(new Set(ports).size).toBe(ports.length);
  });
});
