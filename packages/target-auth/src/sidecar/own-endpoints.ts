import type { Registry } from 'prom-client';
import type { RequestHandler } from '../middleware/types.js';

/** Options of {@link createOwnEndpointsHandler}. */
export interface OwnEndpointsOptions {
  /** Served on `GET /metrics` (the `certscrape_target_auth_*` series and process metrics). */
  readonly registry: Registry;
  /** `/readyz` answers 200 while this returns true (serving, sources loaded), else 503. */
  readonly ready: () => boolean;
  /**
   * Wraps the `/metrics` handler (e.g. in authentication + authorization on the TLS
   * `--proxy-endpoints-port`); default: served as is (the plain `--metrics-bind-address`).
   */
  readonly guardMetrics?: (metrics: RequestHandler) => RequestHandler;
}

/**
 * The sidecar's own endpoints: `GET /healthz` (200 `ok` while the process answers), `GET /readyz`
 * (200 `ok` / 503), `GET /metrics` (text exposition); 404 for anything else, 405 for other methods.
 */
export function createOwnEndpointsHandler(options: OwnEndpointsOptions): RequestHandler {
  const plain = (res: Parameters<RequestHandler>[1], status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const metrics: RequestHandler = (_req, res) => {
    options.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': options.registry.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      },
      () => plain(res, 500, 'Internal Server Error\n'),
    );
  };
  const guarded = options.guardMetrics ? options.guardMetrics(metrics) : metrics;
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz' && path !== '/readyz' && path !== '/metrics') return plain(res, 404, 'Not Found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method Not Allowed\n');
    if (path === '/healthz') return plain(res, 200, 'ok');
    if (path === '/readyz') return options.ready() ? plain(res, 200, 'ok') : plain(res, 503, 'not ready\n');
    guarded(req, res);
  };
}
