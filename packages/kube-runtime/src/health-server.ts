import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import {
  ClientCertAuthenticator,
  RequestAuthenticator,
  ServingCertReloader,
  StaticAuthorizer,
  createSecureServer,
  createTargetAuthMetrics,
  selfSignedServingPair,
  staticServingPair,
  withAuthentication,
  withAuthorization,
} from '@certscrape/target-auth';
import type { ServingPairSource, TargetAuthLogger } from '@certscrape/target-auth';
import { parseBindAddress as parseGoBindAddress } from '@certscrape/process-kit';
import { KubeRuntimeError } from './errors.js';
import { openCaBundleWhenPresent } from './metrics-client-ca.js';

/** A named probe; return false or throw to fail. */
export type HealthCheck = () => boolean | Promise<boolean>;

/**
 * How /metrics is secured: HTTPS, and only a client certificate that chains to `clientCaFile` and
 * names one of `allowedUsers` (CN = user name, certscrape's scraper identity) may GET `/metrics`.
 * It is certscrape's own target-auth mechanism: the same authenticator, static authorizer and
 * status mapping as every target (401 without a valid certificate, 403 naming user/verb/path).
 */
export interface MetricsTlsOptions {
  /**
   * PEM bundle of the CAs whose client certificates are accepted (in a cluster: the client CA that
   * monitoring-operator mirrors into ConfigMap `metrics-client-ca`). It may be missing at start —
   * a fresh install mounts the ConfigMap before the operator has written it: every client is then
   * refused (401) until the file appears; afterwards it is followed like any target's bundle.
   */
  readonly clientCaFile: string;
  /** User names allowed to `GET /metrics` (static rule). Required, non-empty. */
  readonly allowedUsers: readonly string[];
  /** Serving certificate and key (PEM files, followed on change). Default: a self-signed pair generated at start. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** How often the files are compared. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Where reloads and refused bundles are logged. Default: silent. */
  readonly logger?: TargetAuthLogger;
}

/** Options for {@link startHealthServer}. */
export interface HealthServerOptions {
  /** Address for /healthz and /readyz, `host:port` or `:port` (all interfaces); `0` disables. Always plain HTTP (kubelet probes). Default `127.0.0.1:0`. */
  readonly healthBindAddress?: string;
  /**
   * Address for /metrics; `0` disables. Default `127.0.0.1:0`. With {@link metricsTls} it is
   * served over HTTPS on its own port; without it, plain HTTP is only allowed on a loopback host
   * (development), may equal the health address (one server then serves all three), and any other
   * host is refused with `KUBE_RUNTIME_ERR_METRICS_TLS`.
   */
  readonly metricsBindAddress?: string;
  /** Serve /metrics over HTTPS with client-certificate authorization. Default: none (loopback plain HTTP only). */
  readonly metricsTls?: MetricsTlsOptions;
  /** Liveness checks by name (an empty set means "the process answers"). */
  readonly healthChecks?: Readonly<Record<string, HealthCheck>>;
  /** Readiness checks by name; also exported as `certscrape_ready` / `certscrape_ready_check{check}` when a registry is given. */
  readonly readyChecks?: Readonly<Record<string, HealthCheck>>;
  /** Registry served on /metrics (target-auth's decision and CA reload metrics are added to it in TLS mode). */
  readonly registry?: Registry;
}

/** A running health/metrics server; URLs are undefined for disabled endpoints (`https://…` in TLS mode). */
export interface HealthServer {
  readonly healthUrl: string | undefined;
  readonly metricsUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * Parses `host:port`, `:port`, `[v6]:port` with process-kit's Go-compatible grammar (the one
 * bind-address parser); returns undefined for `0` (disabled); an empty host is `0.0.0.0`.
 */
export function parseBindAddress(text: string): { host: string; port: number } | undefined {
  let parsed;
  try {
    parsed = parseGoBindAddress(text);
  } catch (cause) {
    throw new KubeRuntimeError('KUBE_RUNTIME_ERR_BIND_ADDRESS', `invalid bind address "${text}" (want host:port, :port or 0)`, { cause });
  }
  return parsed === undefined ? undefined : { host: parsed.host || '0.0.0.0', port: parsed.port };
}

/** True for `localhost`, 127.0.0.0/8 and ::1 — the only hosts plain-HTTP metrics may bind to. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./i.test(host);
  return false;
}

/**
 * Starts the probe and metrics endpoints the way controller-runtime does: `/healthz` and `/readyz`
 * (200 `ok` when every named check passes, 500 otherwise; `?verbose` lists `[+]name ok` /
 * `[-]name failed`; `/readyz/<name>` runs one check) and `/metrics` (prom-client text format) —
 * over HTTPS with client-certificate authorization when `metricsTls` is given, otherwise plain
 * HTTP on loopback only. Rejects with KUBE_RUNTIME_ERR_BIND_ADDRESS when an address is invalid or
 * cannot be bound, KUBE_RUNTIME_ERR_METRICS_TLS when plain metrics would leave loopback or the TLS
 * options are unusable.
 */
export async function startHealthServer(options: HealthServerOptions = {}): Promise<HealthServer> {
  const healthAddr = parseBindAddress(options.healthBindAddress ?? '127.0.0.1:0');
  const metricsAddr = parseBindAddress(options.metricsBindAddress ?? '127.0.0.1:0');
  const tls = options.metricsTls;
  if (metricsAddr && tls === undefined && !isLoopbackHost(metricsAddr.host)) {
    throw new KubeRuntimeError(
      'KUBE_RUNTIME_ERR_METRICS_TLS',
      `plain-HTTP metrics may only listen on loopback, not ${metricsAddr.host}:${metricsAddr.port} (configure client-certificate TLS for /metrics, or bind it to 127.0.0.1)`,
    );
  }
  if (tls !== undefined && tls.allowedUsers.length === 0) throw new KubeRuntimeError('KUBE_RUNTIME_ERR_METRICS_TLS', 'metrics TLS needs at least one allowed user');
  if (tls !== undefined && (tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new KubeRuntimeError('KUBE_RUNTIME_ERR_METRICS_TLS', 'metrics TLS: give both the serving certificate and its key, or neither (self-signed)');
  }
  const probes = { healthz: options.healthChecks ?? {}, readyz: options.readyChecks ?? {} };
  if (options.registry) registerReadiness(options.registry, probes.readyz);
  const sameAddress = healthAddr && metricsAddr && healthAddr.host === metricsAddr.host && healthAddr.port === metricsAddr.port && healthAddr.port !== 0;
  if (sameAddress && tls !== undefined) throw new KubeRuntimeError('KUBE_RUNTIME_ERR_BIND_ADDRESS', 'HTTPS metrics need their own port: the probes stay plain HTTP');
  const servers: (Server | HttpsServer)[] = [];
  const closers: Array<() => void> = [];
  try {
    let healthUrl: string | undefined;
    let metricsUrl: string | undefined;
    if (sameAddress && healthAddr) {
      const s = await listen(createServer(handler({ probes, registry: options.registry })), healthAddr);
      servers.push(s);
      healthUrl = metricsUrl = urlOf(s, 'http');
    } else {
      if (healthAddr) {
        const s = await listen(createServer(handler({ probes })), healthAddr);
        servers.push(s);
        healthUrl = urlOf(s, 'http');
      }
      if (metricsAddr && tls === undefined) {
        const s = await listen(createServer(handler({ registry: options.registry })), metricsAddr);
        servers.push(s);
        metricsUrl = urlOf(s, 'http');
      } else if (metricsAddr && tls !== undefined) {
        const s = await listen(await secureMetricsServer(tls, metricsAddr.host, options.registry, closers), metricsAddr);
        servers.push(s);
        metricsUrl = urlOf(s, 'https');
      }
    }
    return {
      healthUrl,
      metricsUrl,
      close: async () => {
        for (const c of closers) c();
        await Promise.all(servers.map(closeServer));
      },
    };
  } catch (err) {
    for (const c of closers) c();
    await Promise.all(servers.map(closeServer));
    throw err;
  }
}

/**
 * The /metrics handler behind certscrape's own target-auth, composed in one visible place:
 * client-certificate authentication, then the static rule (`allowedUsers`, `get`, `/metrics`),
 * then the registry. target-auth's decision and CA-reload metrics land in the same registry.
 */
async function secureMetricsServer(tls: MetricsTlsOptions, host: string, registry: Registry | undefined, closers: Array<() => void>): Promise<HttpsServer> {
  const logger = tls.logger;
  const metrics = registry ? createTargetAuthMetrics({ registry }) : undefined;
  const pollIntervalMs = tls.pollIntervalMs ?? 1000;
  const caBundle = openCaBundleWhenPresent({ file: tls.clientCaFile, pollIntervalMs, ...(logger ? { logger } : {}), ...(metrics ? { metrics } : {}) });
  closers.push(() => caBundle.close());
  let serving: ServingPairSource;
  if (tls.certFile !== undefined && tls.keyFile !== undefined) {
    let reloader: ServingCertReloader;
    try {
      reloader = await ServingCertReloader.open({ certFile: tls.certFile, keyFile: tls.keyFile, pollIntervalMs, ...(logger ? { logger } : {}), ...(metrics ? { metrics } : {}) });
    } catch (cause) {
      throw new KubeRuntimeError('KUBE_RUNTIME_ERR_METRICS_TLS', `metrics serving certificate ${tls.certFile} / ${tls.keyFile} is unusable`, { cause });
    }
    closers.push(() => reloader.close());
    serving = reloader;
  } else {
    serving = staticServingPair(await selfSignedServingPair(host));
  }
  const authenticator = new RequestAuthenticator({ clientCert: new ClientCertAuthenticator({ caBundle }) });
  const authorizer = new StaticAuthorizer(tls.allowedUsers.map((name) => ({ user: { name }, verb: 'get', path: '/metrics' })), { name: 'metrics' });
  const mw = { ...(metrics ? { metrics } : {}), ...(logger ? { logger } : {}) };
  return createSecureServer({ caBundle, serving }, withAuthentication(authenticator, mw, withAuthorization(authorizer, mw, handler({ registry }))));
}

/** `certscrape_ready` (1 when every readiness check passes) and `certscrape_ready_check{check}`, evaluated at scrape time. */
function registerReadiness(registry: Registry, checks: Readonly<Record<string, HealthCheck>>): void {
  const evaluate = async (): Promise<[string, boolean][]> =>
    Promise.all(
      Object.entries(checks).map(async ([name, check]): Promise<[string, boolean]> => {
        try {
          return [name, (await check()) === true];
        } catch {
          return [name, false];
        }
      }),
    );
  new Gauge({
    name: 'certscrape_ready',
    help: '1 while every readiness check of this process passes (what /readyz answers), else 0.',
    registers: [registry],
    async collect() {
      this.set((await evaluate()).every(([, ok]) => ok) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'certscrape_ready_check',
    help: 'Each readiness check of this process: 1 passing, 0 failing.',
    labelNames: ['check'],
    registers: [registry],
    async collect() {
      for (const [check, ok] of await evaluate()) this.set({ check }, ok ? 1 : 0);
    },
  });
}

function handler(parts: { probes?: { healthz: Readonly<Record<string, HealthCheck>>; readyz: Readonly<Record<string, HealthCheck>> }; registry?: Registry | undefined }) {
  return (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const segments = url.pathname.split('/').filter(Boolean);
      const [first, second] = segments;
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
      if (parts.probes && (first === 'healthz' || first === 'readyz' || first === 'livez') && segments.length <= 2) {
        const checks = first === 'readyz' ? parts.probes.readyz : parts.probes.healthz;
        const selected = second === undefined ? Object.entries(checks) : Object.entries(checks).filter(([n]) => n === second);
        if (second !== undefined && selected.length === 0) return send(res, 404, `no check named "${second}"\n`);
        const results = await Promise.all(
          selected.map(async ([name, check]) => {
            try {
              return [name, (await check()) === true] as const;
            } catch {
              return [name, false] as const;
            }
          }),
        );
        const ok = results.every(([, passed]) => passed);
        const verbose = url.searchParams.has('verbose') || !ok;
        const body = verbose
          ? `${results.map(([n, passed]) => `[${passed ? '+' : '-'}]${n} ${passed ? 'ok' : 'failed'}`).join('\n')}\n${first} check ${ok ? 'passed' : 'failed'}\n`
          : 'ok';
        return send(res, ok ? 200 : 500, body);
      }
      if (parts.registry && first === 'metrics' && segments.length === 1) {
        const text = await parts.registry.metrics();
        res.setHeader('content-type', parts.registry.contentType);
        return send(res, 200, text);
      }
      return send(res, 404, 'not found\n');
    })().catch(() => send(res, 500, 'internal error\n'));
  };
}

function send(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) return void res.end();
  res.statusCode = status;
  if (!res.hasHeader('content-type')) res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('x-content-type-options', 'nosniff');
  res.end(body);
}

function listen<S extends Server | HttpsServer>(server: S, addr: { host: string; port: number }): Promise<S> {
  return new Promise((resolve, reject) => {
    server.once('error', (cause) => reject(new KubeRuntimeError('KUBE_RUNTIME_ERR_BIND_ADDRESS', `cannot listen on ${addr.host}:${addr.port}`, { cause })));
    server.listen(addr.port, addr.host, () => resolve(server));
  });
}

function urlOf(server: Server | HttpsServer, scheme: 'http' | 'https'): string {
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `${scheme}://${host}:${a.port}`;
}

function closeServer(server: Server | HttpsServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
