import { parseSidecarFlags } from './config.js';
import { isTargetAuthError } from './errors.js';

/** The `certscrape-target-auth` entry point: flags -> sidecar; SIGTERM/SIGINT close it. */
async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseSidecarFlags(process.argv.slice(2));
  } catch (e) {
    console.error(`certscrape-target-auth: ${(e as Error).message}\nRun with --help for usage.`);
    process.exitCode = 2;
    return;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text);
    return;
  }
  // Loaded only now, so --help and flag errors answer without loading TLS, pkcs, prom-client.
  const [{ pino }, { startSidecar }] = await Promise.all([import('pino'), import('./sidecar/sidecar.js')]);
  const logger = pino({ name: 'certscrape-target-auth' });
  let sidecar;
  try {
    sidecar = await startSidecar(parsed.config, { logger });
  } catch (e) {
    logger.error({ code: isTargetAuthError(e) ? e.code : undefined, err: (e as Error).message }, 'cannot start');
    process.exitCode = 1;
    return;
  }
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    void sidecar.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

void main();
