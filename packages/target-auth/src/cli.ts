import { packageVersion, runMain, type ParseOutcome } from '@certscrape/process-kit';
import { parseSidecarFlags, type SidecarConfig } from './config.js';

const NAME = 'certscrape-target-auth';
const VERSION = packageVersion(import.meta.url);

// The `certscrape-target-auth` entry point, in process-kit's shell: a flag error is one line
// `certscrape-target-auth: CODE: message` and exit 2; a start failure exit 1; SIGTERM/SIGINT close
// the sidecar. The sidecar module is imported only in start(), so --help and flag errors answer
// without loading TLS, pkcs or prom-client.
void runMain<SidecarConfig>({
  name: NAME,
  version: VERSION,
  startErrorCode: 'TARGET_AUTH_ERR_START',
  parse(args, env): ParseOutcome<SidecarConfig> {
    const parsed = parseSidecarFlags(args, env);
    if (parsed.kind === 'help') return { kind: 'print', text: parsed.text };
    if (parsed.kind === 'version') return { kind: 'print', text: `${NAME} ${VERSION}\n` };
    return { kind: 'run', config: parsed.config, logLevel: parsed.config.logLevel };
  },
  async start(config, context) {
    const { startSidecar } = await import('./sidecar/sidecar.js');
    const sidecar = await startSidecar(config, { logger: context.log });
    context.onShutdown('sidecar', () => sidecar.close());
  },
});
