import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseCertificateBundle } from '@certscrape/pkcs';
import type { Logger } from 'pino';
import { CertReloader } from './cert-reloader.js';
import type { ProxyConfig } from './config.js';
import { healthHandler, localHandler, metricsHandler } from './health.js';
import { createMetrics } from './metrics.js';
import type { ProxyMetrics } from './metrics.js';
import { createProxyHandler } from './proxy.js';
import type { TokenState } from './proxy.js';
import { createTargetPolicy } from './target-policy.js';
import { UpstreamPool } from './upstream-pool.js';
import { openWatchedFile } from './watched-file.js';

// node:http's CommonJS exports, not an ESM `import … from 'node:http'`: that namespace reads the
// lazy WebSocket/CloseEvent/MessageEvent getters, which load a second copy of undici (Node's
// bundled one, besides the npm undici the pool uses), resident for nothing.
const { createServer } = process.getBuiltinModule('node:http');

/** A running scraper-proxy. */
export interface ScraperProxy {
  /** Where scrapers connect (the actual port when --listen-address used port 0). */
  readonly proxyAddress: AddressInfo;
  readonly metricsAddress: AddressInfo;
  readonly reloader: CertReloader;
  readonly metrics: ProxyMetrics;
  /** Stops polling, stops accepting, lets in-flight scrapes finish, closes upstream connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Composes and starts the proxy: loads the pair (and CA bundle, token) — rejecting with a coded error when they
 * are unusable (fail fast) — then listens on --listen-address and --metrics-bind-address and starts polling.
 * A new pair or CA bundle swaps the upstream pool so the next scrape presents it.
 */
export async function startScraperProxy(config: ProxyConfig, deps: { logger: Logger; metrics?: ProxyMetrics }): Promise<ScraperProxy> {
  const { logger } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const reloader = await CertReloader.load({ certFile: config.certFile, keyFile: config.keyFile, pollIntervalMs: config.pollIntervalMs, logger, metrics });
  const ca =
    config.upstreamCaFile === undefined
      ? undefined
      : await openWatchedFile({
          path: config.upstreamCaFile,
          description: 'upstream CA bundle',
          errorCodes: { unreadable: 'PROXY_ERR_CA_UNREADABLE', invalid: 'PROXY_ERR_CA_INVALID' },
          pollIntervalMs: config.pollIntervalMs,
          logger,
          parse: (content) => {
            const text = content.toString('utf8');
            parseCertificateBundle(text);
            return text;
          },
        });
  const token =
    config.tokenFile === undefined
      ? undefined
      : await openWatchedFile({
          path: config.tokenFile,
          description: 'bearer token file',
          errorCodes: { unreadable: 'PROXY_ERR_TOKEN_UNREADABLE', invalid: 'PROXY_ERR_TOKEN_UNREADABLE' },
          pollIntervalMs: config.pollIntervalMs,
          logger,
          parse: (content) => content.toString('utf8').trim(),
        });
  if (config.insecureSkipUpstreamVerify) logger.warn('--insecure-skip-upstream-verify: targets are NOT authenticated; scrapes can be intercepted');

  const policy = createTargetPolicy({ tokenTargets: config.tokenTargets, targets: config.targets });
  const pool = new UpstreamPool({
    tls: { pair: reloader.current, ca: ca?.current, insecure: config.insecureSkipUpstreamVerify },
    policy,
    connectTimeoutMs: config.connectTimeoutMs,
    maxConnectionsPerTarget: config.maxConnectionsPerTarget,
    drainTimeoutMs: config.upstreamTimeoutMs + 1_000,
    logger,
  });
  reloader.on('change', (pair) => pool.update({ pair }));
  ca?.on('change', (bundle) => pool.update({ ca: bundle }));

  const tokenState = (): TokenState => ({ configured: token !== undefined, value: token?.current });
  const health = healthHandler(reloader);
  const proxyServer = createServer(
    createProxyHandler({ pool, policy, token: tokenState, metrics, logger, upstreamTimeoutMs: config.upstreamTimeoutMs, local: localHandler(health) }),
  );
  const metricsServer = createServer(metricsHandler(metrics, health));
  let proxyAddress: AddressInfo;
  let metricsAddress: AddressInfo;
  try {
    proxyAddress = await listen(proxyServer, config.listen.host, config.listen.port);
    metricsAddress = await listen(metricsServer, config.metricsListen.host, config.metricsListen.port);
  } catch (e) {
    proxyServer.close();
    metricsServer.close();
    await pool.close();
    throw e;
  }
  reloader.start();
  ca?.start();
  token?.start();
  logger.info(
    {
      proxyAddress: `${proxyAddress.address}:${proxyAddress.port}`,
      metricsAddress: `${metricsAddress.address}:${metricsAddress.port}`,
      tokenTargets: config.tokenTargets.map((t) => t.authority),
      exitOnChange: config.exitOnChange,
    },
    'listening',
  );

  let closing: Promise<void> | undefined;
  return {
    proxyAddress,
    metricsAddress,
    reloader,
    metrics,
    close() {
      closing ??= (async () => {
        await Promise.all([reloader.stop(), ca?.stop(), token?.stop()]);
        const closed = Promise.all([closeServer(proxyServer), closeServer(metricsServer)]);
        proxyServer.closeIdleConnections();
        metricsServer.closeIdleConnections();
        await closed;
        await pool.close();
      })();
      return closing;
    },
  };
}

async function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  server.listen(port, host);
  await once(server, 'listening');
  return server.address() as AddressInfo;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
