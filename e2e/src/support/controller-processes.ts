import { join } from 'node:path';
import type { CleanupStack } from './cleanup-stack.js';
import { freePort } from './free-port.js';
import { ManagedProcess } from './managed-process.js';
import { waitFor } from './wait-for.js';
import { nodeBin, type BinName } from './workspace-bins.js';

/** A controller started as a process with its own service-account kubeconfig. */
export interface RunningController {
  readonly process: ManagedProcess;
  /** http://127.0.0.1:PORT serving /metrics. */
  readonly metricsUrl: string;
  /** http://127.0.0.1:PORT serving /healthz and /readyz. */
  readonly healthUrl: string;
}

/**
 * Starts `certscrape-csr-approver` or `certscrape-monitoring-operator` with `--kubeconfig`,
 * `--leader-elect=false` and loopback metrics/health ports, waits for /healthz, and registers
 * it for cleanup. Extra flags go last.
 */
export async function startController(
  bin: Extract<BinName, 'csrApprover' | 'monitoringOperator'>,
  options: { kubeconfig: string; logDir: string; extraArgs?: readonly string[] },
  cleanup: CleanupStack,
): Promise<RunningController> {
  const metricsPort = await freePort();
  const healthPort = await freePort();
  const [node, script] = nodeBin(bin);
  const name = bin === 'csrApprover' ? 'csr-approver' : 'monitoring-operator';
  const proc = ManagedProcess.start({
    name,
    command: node,
    args: [
      script,
      `--kubeconfig=${options.kubeconfig}`,
      '--leader-elect=false',
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      // Plain HTTP on loopback (development mode): the e2e reads these metrics without a client certificate.
      '--metrics-secure=false',
      `--health-probe-bind-address=127.0.0.1:${healthPort}`,
      ...(options.extraArgs ?? []),
    ],
    logFile: join(options.logDir, `${name}.log`),
  });
  cleanup.defer(name, () => proc.stop(), () => proc.killSync());
  const healthUrl = `http://127.0.0.1:${healthPort}`;
  await waitFor(
    async () => {
      proc.assertRunning();
      return (await fetch(`${healthUrl}/healthz`)).ok ? true : undefined;
    },
    { what: `${name} /healthz`, timeoutMs: 30_000 },
  );
  return { process: proc, metricsUrl: `http://127.0.0.1:${metricsPort}`, healthUrl };
}
