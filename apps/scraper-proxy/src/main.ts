import { pino } from 'pino';
import { loadConfig } from './config.js';
import { isProxyError } from './errors.js';

// The process shell: read the command line, start, and translate signals and --exit-on-change into exits.
const result = loadConfig();
if (result.kind === 'exit') {
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exit(result.exitCode);
}
const { config } = result;
const logger = pino({ level: config.logLevel, base: { app: 'certscrape-scraper-proxy' }, timestamp: pino.stdTimeFunctions.isoTime });

let proxy;
try {
  // Loaded only now, so --help and usage errors answer without loading the crypto stack.
  const { startScraperProxy } = await import('./app.js');
  proxy = await startScraperProxy(config, { logger });
} catch (e) {
  logger.fatal({ code: isProxyError(e) ? e.code : (e as { code?: string }).code, reason: e instanceof Error ? e.message : String(e) }, 'cannot start');
  process.exit(1);
}
const running = proxy;

let exiting = false;
async function shutdown(reason: string, exitCode: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  logger.info({ reason }, 'shutting down');
  const force = setTimeout(() => {
    logger.warn('graceful shutdown timed out; exiting');
    process.exit(exitCode);
  }, config.upstreamTimeoutMs + 5_000);
  force.unref();
  await running.close();
  process.exit(exitCode);
}

process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
process.once('SIGINT', () => void shutdown('SIGINT', 0));
if (config.exitOnChange) {
  // The pair loaded at start is the baseline: only a later, valid, different pair triggers the exit.
  running.reloader.once('change', (pair) => {
    logger.info({ serial: pair.serialNumber, fingerprint: pair.fingerprint }, 'client certificate changed and --exit-on-change is set');
    void shutdown('client certificate changed', 0);
  });
}
