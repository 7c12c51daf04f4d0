import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CertReloader } from './cert-reloader.js';
import type { ProxyMetrics } from './metrics.js';
import { sendText } from './proxy.js';
import type { RequestHandler } from './proxy.js';

/**
 * /healthz: 200 with a small JSON status while a valid pair is in use (always true once started: a refused new
 * pair does not make the proxy unhealthy, it keeps the last good one — the metric and log say so).
 */
export function healthHandler(reloader: CertReloader): RequestHandler {
  return (_req: IncomingMessage, res: ServerResponse) => {
    const pair = reloader.current;
    const body = JSON.stringify({ status: 'ok', certificate: { subject: pair.subject, notAfter: pair.notAfter.toISOString(), fingerprint: pair.fingerprint } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
  };
}

/** Routes the proxy's own endpoints: GET /healthz; everything else 404. */
export function localHandler(health: RequestHandler): RequestHandler {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return health(req, res);
    sendText(res, 404, 'not found: use absolute-form proxy requests or /proxy/<host:port>/<path>');
  };
}

/** The metrics listener: GET /metrics (Prometheus text format) and /healthz. */
export function metricsHandler(metrics: ProxyMetrics, health: RequestHandler): RequestHandler {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return health(req, res);
    if (path !== '/metrics') return sendText(res, 404, 'not found');
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      },
      (e: unknown) => sendText(res, 500, `cannot collect metrics: ${e instanceof Error ? e.message : String(e)}`),
    );
  };
}
