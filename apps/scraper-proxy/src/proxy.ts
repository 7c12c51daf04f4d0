import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';
import type { ProxyMetrics } from './metrics.js';
import { parseRequestTarget } from './request-target.js';
import { ResponseForwarder } from './response-forwarder.js';
import { upstreamAuthorization } from './target-policy.js';
import type { TargetPolicy } from './target-policy.js';
import { classifyUpstreamError } from './upstream-error.js';
import type { UpstreamPool } from './upstream-pool.js';

/** A plain Node request handler. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The bearer token state: whether --token-file is configured, and its current (trimmed) content. */
export interface TokenState {
  readonly configured: boolean;
  readonly value: string | undefined;
}

/** Dependencies of the forwarding handler. */
export interface ProxyHandlerOptions {
  readonly pool: UpstreamPool;
  readonly policy: TargetPolicy;
  readonly token: () => TokenState;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  /** Upper bound for one scrape; a smaller X-Prometheus-Scrape-Timeout-Seconds from the scraper wins. */
  readonly upstreamTimeoutMs: number;
  /** Serves origin-form requests that are not the path form (e.g. /healthz). Default: 404. */
  readonly local?: RequestHandler;
}

/**
 * The forward-proxy handler: parses the request target (absolute form or /proxy/<host:port>/<path>), forwards
 * GET/HEAD over TLS to the target through the pool (client certificate per target settings), with hop-by-hop
 * headers stripped and Authorization removed unless the target is listed for tokens; streams the answer back
 * chunk by chunk as undici parses it (ResponseForwarder: no re-buffering, backpressure to the target's connection).
 * Upstream failures answer 502 (TLS, connection) or 504 (timeout) with a text body that says what failed.
 */
export function createProxyHandler(options: ProxyHandlerOptions): RequestHandler {
  const { pool, policy, metrics, logger } = options;
  return (req, res) => {
    const method = req.method ?? 'GET';
    const parsed = parseRequestTarget(method, req.url ?? '/');
    if (parsed.kind === 'invalid') return sendText(res, parsed.status, parsed.reason);
    if (parsed.kind === 'local') return options.local ? options.local(req, res) : sendText(res, 404, 'not found');
    if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'only GET and HEAD are forwarded', { allow: 'GET, HEAD' });

    const { target, path } = parsed;
    const settings = policy.settingsFor(target);
    const authorization = upstreamAuthorization(settings, req.headers.authorization, options.token());
    const headers = upstreamRequestHeaders(req.headers, target.authority, authorization);
    const timeoutMs = scrapeTimeoutMs(req.headers['x-prometheus-scrape-timeout-seconds'], options.upstreamTimeoutMs);
    const started = performance.now();
    // Log fields are built only when a line is written: a pino child per scrape cost more than the line.
    const fields = () => ({ target: target.authority, path, clientCertificate: settings.clientCertificate, token: authorization !== undefined });
    let scraperGone = false;
    const forwarder = new ResponseForwarder(res, {
      onResponseStart(statusCode, upstreamHeaders) {
        const seconds = (performance.now() - started) / 1000;
        metrics.upstreamDuration.observe({ outcome: 'response' }, seconds);
        metrics.upstreamRequests.inc({ code: String(statusCode), outcome: 'response' });
        if (logger.isLevelEnabled('debug')) logger.debug({ ...fields(), status: statusCode, seconds }, 'scrape forwarded');
        res.writeHead(statusCode, downstreamResponseHeaders(upstreamHeaders));
      },
      onEnd(error) {
        clearTimeout(timer);
        if (error !== undefined && logger.isLevelEnabled('debug')) {
          logger.debug({ ...fields(), err: { message: error.message, code: (error as { code?: string }).code } }, 'response stream ended early');
        }
      },
      onFailure(error) {
        clearTimeout(timer);
        if (scraperGone) {
          metrics.upstreamRequests.inc({ code: '499', outcome: 'scraper_closed' });
          if (logger.isLevelEnabled('debug')) logger.debug(fields(), 'scraper closed the connection before the target answered');
          return;
        }
        const failure = classifyUpstreamError(forwarder.abortReason ?? error, target.authority, settings.serverName);
        const seconds = (performance.now() - started) / 1000;
        metrics.upstreamDuration.observe({ outcome: failure.outcome }, seconds);
        metrics.upstreamRequests.inc({ code: String(failure.status), outcome: failure.outcome });
        logger.warn({ ...fields(), outcome: failure.outcome, status: failure.status, seconds, reason: failure.message }, 'scrape failed');
        if (!res.headersSent && !res.destroyed) sendText(res, failure.status, failure.message);
      },
    });
    const timer = setTimeout(() => forwarder.abort(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'UND_ERR_HEADERS_TIMEOUT' })), timeoutMs);
    // The scraper gave up (its own timeout): stop the upstream request too.
    res.on('close', () => {
      clearTimeout(timer);
      if (res.writableFinished) return;
      scraperGone = true;
      forwarder.abort(Object.assign(new Error('scraper closed the connection'), { code: 'ECONNRESET' }));
    });
    try {
      pool.dispatcherFor(settings).dispatch({ origin: `https://${target.authority}`, path, method, headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }, forwarder);
    } catch (e) {
      // undici refused the request before sending it (only a bug or an invalid header gets here); never leave the scraper hanging.
      clearTimeout(timer);
      logger.error({ ...fields(), err: { message: e instanceof Error ? e.message : String(e) } }, 'internal error while forwarding');
      sendText(res, 500, 'internal error in the scraper-proxy');
    }
  };
}

/** The scrape deadline: `capMs`, or the scraper's announced timeout when that is smaller (and valid). */
export function scrapeTimeoutMs(header: string | string[] | undefined, capMs: number): number {
  const value = Array.isArray(header) ? header[0] : header;
  const seconds = value === undefined ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(capMs, Math.ceil(seconds * 1000)) : capMs;
}

/** Answers with a short text/plain body (no-op if the response already started). */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const body = `${text}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
