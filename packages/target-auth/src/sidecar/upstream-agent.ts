import type { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { createSecureContext, connect as tlsConnect, type ConnectionOptions, type SecureContext } from 'node:tls';
import { FileSource } from '@certscrape/process-kit';
import { TargetAuthError } from '../errors.js';
import { silentLogger, type TargetAuthLogger } from '../logger.js';
import { ServingCertReloader } from '../serving-cert.js';

/** Options of {@link openUpstreamAgent}. */
export interface UpstreamAgentOptions {
  readonly upstream: URL;
  /** PEM CA bundle for an https upstream; undefined = Node's (system) roots. Reloaded. */
  readonly caFile?: string | undefined;
  /** Client certificate/key presented to an https upstream; reloaded as a pair. */
  readonly clientCertFile?: string | undefined;
  readonly clientKeyFile?: string | undefined;
  /** Poll interval of those files. Default 500 ms. */
  readonly pollIntervalMs?: number;
  readonly logger?: TargetAuthLogger;
}

/** A keep-alive agent for the upstream and the watchers behind it. */
export interface UpstreamAgent {
  readonly agent: HttpAgent;
  close(): void;
}

const KEEP_ALIVE = { keepAlive: true, maxFreeSockets: 16 } as const;

// Not an ESM import of node:http: its namespace would load Node's bundled undici (see sidecar.ts).
const { Agent: HttpAgentClass } = process.getBuiltinModule('node:http');

/**
 * The agent the sidecar reaches `--upstream` with. `http://`: a plain keep-alive agent.
 * `https://`: TLS verified against `--upstream-ca-file` (or the system roots), presenting
 * `--upstream-client-cert-file`/`--upstream-client-key-file` when set. The files are loaded once
 * (fail fast, coded), then polled; a change builds a new secure context that new connections use,
 * and pooled connections made with the old one are not reused (closed when they turn idle).
 */
export async function openUpstreamAgent(options: UpstreamAgentOptions): Promise<UpstreamAgent> {
  if (options.upstream.protocol === 'http:') {
    const agent = new HttpAgentClass(KEEP_ALIVE);
    return { agent, close: () => agent.destroy() };
  }
  const logger = options.logger ?? silentLogger;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const closers: Array<() => void> = [];
  // The CA bundle's bytes; whether they are usable is decided when the secure context is built.
  const caSource =
    options.caFile === undefined
      ? undefined
      : await FileSource.open<Buffer>({
          files: [options.caFile],
          intervalMs: pollIntervalMs,
          parse: ([bytes]) => bytes as Buffer,
          unreadable: (file, cause) => new TargetAuthError('TARGET_AUTH_ERR_CA_BUNDLE_READ', `cannot read --upstream-ca-file ${file}`, { cause }),
        });
  let ca = caSource?.current;
  let pair: ServingCertReloader | undefined;
  if (options.clientCertFile !== undefined && options.clientKeyFile !== undefined) {
    pair = await ServingCertReloader.open({ certFile: options.clientCertFile, keyFile: options.clientKeyFile, pollIntervalMs, logger });
    closers.push(() => pair?.close());
  }
  const build = (): SecureContext => {
    const p = pair?.current();
    try {
      return createSecureContext({ ...(ca !== undefined ? { ca } : {}), ...(p !== undefined ? { cert: p.cert, key: p.key } : {}) });
    } catch (cause) {
      throw new TargetAuthError('TARGET_AUTH_ERR_CONFIG_INVALID', '--upstream-ca-file / --upstream-client-cert-file: not usable TLS material', { cause });
    }
  };
  const agent = new ReloadingHttpsAgent(build());
  const rebuild = (what: string) => {
    try {
      agent.use(build());
      logger.info({ what }, 'upstream TLS material reloaded');
    } catch (e) {
      logger.warn({ what, err: (e as Error).message }, 'new upstream TLS material is not usable; keeping the last good one');
    }
  };
  if (pair !== undefined) closers.push(pair.onChange(() => rebuild('client certificate')));
  if (caSource !== undefined) {
    const file = options.caFile;
    caSource.on('change', (next) => {
      ca = next;
      rebuild('upstream CA');
    });
    caSource.on('refused', ({ error }) => logger.warn({ file, err: (error as Error).message }, 'cannot read --upstream-ca-file; keeping the last good bundle'));
    caSource.start();
    closers.push(() => void caSource.stop());
  }
  return {
    agent,
    close: () => {
      for (const c of closers) c();
      agent.destroy();
    },
  };
}

const GENERATION = Symbol('upstreamContextGeneration');

/** An https agent whose TLS material can be swapped; sockets of an older generation are not reused. */
class ReloadingHttpsAgent extends HttpsAgent {
  #context: SecureContext;
  #generation = 0;

  constructor(context: SecureContext, options: AgentOptions = KEEP_ALIVE) {
    super(options);
    this.#context = context;
  }

  use(context: SecureContext): void {
    this.#context = context;
    this.#generation++;
    for (const sockets of Object.values(this.freeSockets)) for (const s of sockets ?? []) s.destroy();
  }

  // Returning the socket synchronously is enough: the base Agent then registers it itself.
  override createConnection(options: ConnectionOptions): Duplex {
    const socket = tlsConnect({ ...options, secureContext: this.#context });
    (socket as unknown as Record<symbol, number>)[GENERATION] = this.#generation;
    return socket;
  }

  override keepSocketAlive(socket: Duplex): boolean {
    if ((socket as unknown as Record<symbol, number>)[GENERATION] !== this.#generation) return false;
    return super.keepSocketAlive(socket) as unknown as boolean;
  }
}
