import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { SupervisedProcess, freePorts } from '@certscrape/local-cluster/testing';
import type { DeployFixture } from './deploy-fixture.js';
import { NS } from './deploy-fixture.js';
import { BINS, REPO_ROOT, containerOf, podArgs, podEnv, reroot } from './deploy-pod.js';
import type { KubeObject } from './kustomize.js';
import { readResponse } from './read-response.js';

/** A controller started from its Deployment (see {@link startControllerFromDeployment}). */
export interface RunningController {
  readonly proc: SupervisedProcess;
  /** Plain-HTTP probe address, `http://127.0.0.1:<port>`. */
  readonly health: string;
  /** HTTPS metrics address, `https://127.0.0.1:<port>`. */
  readonly metrics: string;
  /** Where this "pod" sees its mounted files (the Deployment's /etc/... paths, re-rooted under it). */
  readonly root: string;
}

/**
 * Starts the built bin of `deployment` (container of the same name) with the Deployment's args as
 * the kubelet expands them ($(POD_NAMESPACE), $(POD_NAME)) and its env, the given service
 * account's own token, and loopback ports — only what differs outside a pod is overridden.
 */
export async function startControllerFromDeployment(fx: DeployFixture, rendered: readonly KubeObject[], deployment: string, serviceAccount: string): Promise<RunningController> {
  const container = containerOf(rendered, deployment, deployment);
  const pod = { namespace: NS, name: `${deployment}-deploy-test` };
  const kubeconfig = await fx.saKubeconfigFile(serviceAccount);
  const [healthPort, metricsPort] = await freePorts(2);
  const root = join(fx.work, `${deployment}-pod`);
  const args = [
    ...reroot(podArgs(container, pod), root),
    `--kubeconfig=${kubeconfig}`,
    `--health-probe-bind-address=127.0.0.1:${healthPort}`,
    `--metrics-bind-address=127.0.0.1:${metricsPort}`,
  ];
  const proc = new SupervisedProcess({
    name: deployment,
    command: process.execPath,
    args: [join(REPO_ROOT, BINS[deployment] ?? ''), ...args],
    env: { ...podEnv(container, pod), KUBECONFIG: '' },
    stopGraceMs: 10_000,
  });
  return { proc, health: `http://127.0.0.1:${healthPort}`, metrics: `https://127.0.0.1:${metricsPort}`, root };
}

/** GET over HTTPS with an optional client certificate (the controllers' serving certificate is self-signed by default, so it is not verified). */
export function scrapeHttps(url: string, client?: { cert: string; key: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpsRequest(url, { agent: false, rejectUnauthorized: false, ...(client ?? {}) }, (res) => {
      readResponse(res).then(resolve, reject);
    })
      .on('error', reject)
      .end();
  });
}
