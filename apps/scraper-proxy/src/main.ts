import { packageVersion, runMain } from '@certscrape/process-kit';
import { parseArgs } from './config.js';
import type { ProxyConfig } from './config.js';

// The process shell (process-kit's runMain: one startup/exit/log contract for every bin). Only the
// proxy's own parts are here: start it, close it on shutdown, and honour --exit-on-change.
await runMain<ProxyConfig>({
  name: 'certscrape-scraper-proxy',
  version: packageVersion(import.meta.url),
  startErrorCode: 'PROXY_ERR_START',
  parse: (args, env) => parseArgs(args, undefined, env),
  // In-flight scrapes may take up to --upstream-timeout to finish.
  shutdownTimeoutMs: (config) => config.upstreamTimeoutMs + 5_000,
  start: async (config, { log, onShutdown, exit }) => {
    // Loaded only now, so --help and usage errors answer without loading the crypto stack.
    const { startScraperProxy } = await import('./app.js');
    const proxy = await startScraperProxy(config, { logger: log });
    onShutdown('scraper-proxy', () => proxy.close());
    if (config.exitOnChange) {
      // The pair loaded at start is the baseline: only a later, valid, different pair triggers the exit.
      proxy.reloader.once('change', (pair) => {
        log.info({ serial: pair.serialNumber, fingerprint: pair.fingerprint }, 'client certificate changed and --exit-on-change is set');
        exit('client certificate changed', 0);
      });
    }
  },
});
