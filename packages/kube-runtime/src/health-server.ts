import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { KubeRuntimeError } from './errors.js';

/** A named probe; return false or throw to fail. */
export type HealthCheck = () => boolean | Promise<boolean>;

/** Options for {@link startHealthServer}. */
export interface HealthServerOptions {
  /** Address for /healthz and /readyz, `host:port` or `:port` (all interfaces); `0` disables. Default `127.0.0.1:0`. */
  readonly healthBindAddress?: string;
  /** Address for /metrics; may equal the health address (one server then serves all three); `0` disables. Default `127.0.0.1:0`. */
  readonly metricsBindAddress?: string;
  /** Liveness checks by name (an empty set means "the process answers"). */
  readonly healthChecks?: Readonly<Record<string, HealthCheck>>;
  /** Readiness checks by name. */
  readonly readyChecks?: Readonly<Record<string, HealthCheck>>;
  /** Registry served on /metrics. */
  readonly registry?: Registry;
}

/** A running health/metrics server; URLs are undefined for disabled endpoints. */
export interface HealthServer {
  readonly healthUrl: string | undefined;
  readonly metricsUrl: string | undefined;
  close(): Promise<void>;
}

/** Parses `host:port`, `:port`, `[v6]:port`; returns undefined for `0` (disabled). */
export function parseBindAddress(text: string): { host: string; port: number } | undefined {
  if (text === '0') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new KubeRuntimeError('KUBE_RUNTIME_ERR_BIND_ADDRESS', `invalid bind address "${text}" (want host:port, :port or 0)`);
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/**
 * Starts the probe and metrics endpoints the way controller-runtime does: `/healthz` and `/readyz`
 * (200 `ok` when every named check passes, 500 otherwise; `?verbose` lists `[+]name ok` /
 * `[-]name failed`; `/readyz/<name>` runs one check) and `/metrics` (prom-client text format).
 * Rejects with KUBE_RUNTIME_ERR_BIND_ADDRESS when an address is invalid or cannot be bound.
 */
export async function startHealthServer(options: HealthServerOptions = {}): Promise<HealthServer> {
  const healthAddr = parseBindAddress(options.healthBindAddress ?? '127.0.0.1:0');
  const metricsAddr = parseBindAddress(options.metricsBindAddress ?? '127.0.0.1:0');
  const probes = { healthz: options.healthChecks ?? {}, readyz: options.readyChecks ?? {} };
  const shared = healthAddr && metricsAddr && healthAddr.host === metricsAddr.host && healthAddr.port === metricsAddr.port && healthAddr.port !== 0;
  const servers: Server[] = [];
  try {
    let healthUrl: string | undefined;
    let metricsUrl: string | undefined;
    if (shared && healthAddr) {
      const s = await listen(handler({ probes, registry: options.registry }), healthAddr);
      servers.push(s);
      healthUrl = metricsUrl = urlOf(s);
    } else {
      if (healthAddr) {
        const s = await listen(handler({ probes }), healthAddr);
        servers.push(s);
        healthUrl = urlOf(s);
      }
      if (metricsAddr) {
        const s = await listen(handler({ registry: options.registry }), metricsAddr);
        servers.push(s);
        metricsUrl = urlOf(s);
      }
    }
    return {
      healthUrl,
      metricsUrl,
      close: async () => {
        await Promise.all(servers.map(closeServer));
      },
    };
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    throw err;
  }
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

function listen(h: (req: IncomingMessage, res: ServerResponse) => void, addr: { host: string; port: number }): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(h);
    server.once('error', (cause) =>
      reject(new KubeRuntimeError('KUBE_RUNTIME_ERR_BIND_ADDRESS', `cannot listen on ${addr.host}:${addr.port}`, { cause })),
    );
    server.listen(addr.port, addr.host, () => resolve(server));
  });
}

function urlOf(server: Server): string {
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
