import { Agent, buildConnector } from 'undici';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { ClientCertificatePair } from './cert-reloader.js';
import { hostPort } from './host-port.js';
import type { TargetPolicy, TargetSettings } from './target-policy.js';

/** What TLS to targets is made of. */
export interface UpstreamTls {
  /** The client certificate presented to targets whose settings say so. */
  readonly pair: ClientCertificatePair;
  /** PEM CA bundle the serving certificates must chain to (replaces Node's public roots); undefined only when insecure. */
  readonly ca: string | undefined;
  /** Skip serving-certificate verification (--insecure-skip-upstream-verify). */
  readonly insecure: boolean;
}

/** Options of UpstreamPool. */
export interface UpstreamPoolOptions {
  readonly tls: UpstreamTls;
  readonly policy: TargetPolicy;
  /** TCP + TLS handshake limit. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Keep-alive connections per target. Default 4 (scrapers rarely run more than one scrape per target at once). */
  readonly maxConnectionsPerTarget?: number;
  /** How long an old dispatcher may finish in-flight scrapes after a swap before it is destroyed. Default 30 s. */
  readonly drainTimeoutMs?: number;
  readonly logger?: Logger;
}

interface Generation {
  readonly withCertificate: Agent;
  readonly withoutCertificate: Agent;
}

/**
 * Keep-alive connection pools to targets (undici Agents: one pool per origin, idle connections reused).
 * Two agents per generation: one presents the client certificate, one does not (per-target opt-out).
 * The TLS server name is the target host unless the target's settings name one.
 * `update()` starts a new generation and closes the old one: idle pooled connections — and the TLS session
 * cache, which could otherwise resume a session made with the old certificate — go away, so the next scrape
 * handshakes with the new certificate; scrapes in flight on the old generation finish (up to drainTimeoutMs).
 */
export class UpstreamPool {
  private tls: UpstreamTls;
  private generation: Generation;
  private readonly options: UpstreamPoolOptions;
  private readonly draining = new Set<Promise<void>>();

  constructor(options: UpstreamPoolOptions) {
    this.options = options;
    this.tls = options.tls;
    this.generation = this.build(this.tls);
  }

  /** The dispatcher for a target with these settings. */
  dispatcherFor(settings: TargetSettings): Dispatcher {
    return settings.clientCertificate ? this.generation.withCertificate : this.generation.withoutCertificate;
  }

  /** Swaps to a new generation with the changed TLS material and closes the old generation. */
  update(change: Partial<UpstreamTls>): void {
    this.tls = { ...this.tls, ...change };
    const old = this.generation;
    this.generation = this.build(this.tls);
    this.retire(old);
  }

  /** Closes all connections (waiting up to drainTimeoutMs for scrapes in flight). */
  async close(): Promise<void> {
    this.retire(this.generation);
    await Promise.all([...this.draining]);
  }

  private retire(old: Generation): void {
    const drainTimeoutMs = this.options.drainTimeoutMs ?? 30_000;
    const closing = (async () => {
      const timer = setTimeout(() => {
        this.options.logger?.warn('in-flight scrapes on the previous upstream connections did not finish in time; destroying them');
        void old.withCertificate.destroy().catch(() => undefined);
        void old.withoutCertificate.destroy().catch(() => undefined);
      }, drainTimeoutMs);
      timer.unref();
      await Promise.allSettled([old.withCertificate.close(), old.withoutCertificate.close()]);
      clearTimeout(timer);
    })();
    this.draining.add(closing);
    void closing.finally(() => this.draining.delete(closing));
  }

  private build(tls: UpstreamTls): Generation {
    return {
      withCertificate: this.agent(tls, true),
      withoutCertificate: this.agent(tls, false),
    };
  }

  private agent(tls: UpstreamTls, presentCertificate: boolean): Agent {
    const base = buildConnector({
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(presentCertificate ? { cert: tls.pair.certPem, key: tls.pair.keyPem } : {}),
      rejectUnauthorized: !tls.insecure,
      timeout: this.options.connectTimeoutMs ?? 10_000,
    });
    const policy = this.options.policy;
    const connect: buildConnector.connector = (opts, callback) => {
      let servername = opts.servername;
      try {
        const configured = policy.settingsFor(hostPort(opts.hostname, Number(opts.port === '' ? 443 : opts.port))).serverName;
        if (configured !== undefined) servername = configured;
      } catch {
        // not a host we could canonicalise: keep undici's default server name
      }
      base({ ...opts, ...(servername === undefined ? {} : { servername }) }, callback);
    };
    return new Agent({
      connect,
      connections: this.options.maxConnectionsPerTarget ?? 4,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 300_000,
    });
  }
}
