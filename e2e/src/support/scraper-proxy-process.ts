import { join } from 'node:path';
import type { CleanupStack } from './cleanup-stack.js';
import { freePort } from './free-port.js';
import { ManagedProcess } from './managed-process.js';
import { waitFor } from './wait-for.js';
import { nodeBin } from './workspace-bins.js';

/** A running certscrape-scraper-proxy. */
export interface RunningScraperProxy {
  readonly process: ManagedProcess;
  /** http://127.0.0.1:PORT — Prometheus's proxy_url. */
  readonly proxyUrl: string;
  /** http://127.0.0.1:PORT serving /metrics and /healthz. */
  readonly metricsUrl: string;
}

/**
 * Starts certscrape-scraper-proxy beside Prometheus: it reads the projected Secret's
 * tls.crt/tls.key (reloading the pair on a `..data` swap) and verifies targets' serving
 * certificates against `upstreamCaFile`. Waits for /healthz; registered for cleanup.
 */
export async function startScraperProxy(
  options: { certFile: string; keyFile: string; upstreamCaFile: string; logDir: string },
  cleanup: CleanupStack,
): Promise<RunningScraperProxy> {
  const port = await freePort();
  const metricsPort = await freePort();
  const [node, script] = nodeBin('scraperProxy');
  const proc = ManagedProcess.start({
    name: 'scraper-proxy',
    command: node,
    args: [
      script,
      `--listen-address=127.0.0.1:${port}`,
      `--cert-file=${options.certFile}`,
      `--key-file=${options.keyFile}`,
      `--upstream-ca-file=${options.upstreamCaFile}`,
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      // Fail a scrape within Prometheus's own timeout rather than holding connections open.
      '--upstream-connect-timeout=1s',
    ],
    logFile: join(options.logDir, 'scraper-proxy.log'),
  });
  cleanup.defer('scraper-proxy', () => proc.stop(), () => proc.killSync());
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  await waitFor(
    async () => {
      proc.assertRunning();
      return (await fetch(`${metricsUrl}/healthz`)).ok ? true : undefined;
    },
    { what: 'scraper-proxy /healthz', timeoutMs: 20_000 },
  );
  return { process: proc, proxyUrl: `http://127.0.0.1:${port}`, metricsUrl };
}
