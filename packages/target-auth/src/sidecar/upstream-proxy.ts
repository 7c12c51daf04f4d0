import { Agent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { silentLogger, type TargetAuthLogger } from '../logger.js';
import { isIdentityHeader } from '../middleware/identity-headers.js';
import type { RequestHandler } from '../middleware/types.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate']);

/** Options of {@link createUpstreamProxy}. */
export interface UpstreamProxyOptions {
  /** `http://host:port[/base]`; the request path is appended to the base path. */
  readonly upstream: URL;
  /** Keep-alive agent for upstream connections. Default: a new keep-alive agent. */
  readonly agent?: Agent;
  readonly logger?: TargetAuthLogger;
}

/**
 * The terminal handler of the sidecar: forwards the (already authorized, header-stripped,
 * path-normalised) request to the plain-HTTP upstream over a keep-alive agent and streams the
 * answer back. Hop-by-hop headers are dropped; identity headers are dropped again defensively;
 * `X-Forwarded-For`/`-Proto`/`-Host` are set. Upstream failure -> 502 with a generic body.
 */
export function createUpstreamProxy(options: UpstreamProxyOptions): RequestHandler & { readonly agent: Agent } {
  const agent = options.agent ?? new Agent({ keepAlive: true, maxFreeSockets: 16 });
  const logger = options.logger ?? silentLogger;
  const base = options.upstream.pathname.replace(/\/+$/, '');
  const hostname = options.upstream.hostname.replace(/^\[|\]$/g, '');
  const port = options.upstream.port === '' ? 80 : Number(options.upstream.port);

  const handler: RequestHandler = (req, res) => {
    const headers = forwardHeaders(req.headers);
    const remote = req.socket.remoteAddress;
    if (remote !== undefined) headers['x-forwarded-for'] = remote;
    headers['x-forwarded-proto'] = 'https';
    if (req.headers.host !== undefined) headers['x-forwarded-host'] = req.headers.host;
    const upstreamReq = httpRequest({ agent, hostname, port, method: req.method, path: `${base}${req.url ?? '/'}`, headers }, (upstreamRes) => {
      const out: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(upstreamRes.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, out);
      upstreamRes.pipe(res);
      upstreamRes.on('error', () => res.destroy());
    });
    upstreamReq.on('error', (err) => {
      logger.warn({ err: err.message, upstream: options.upstream.origin }, 'upstream request failed');
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Bad Gateway\n');
      } else {
        res.destroy();
      }
    });
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  };
  return Object.assign(handler, { agent });
}

function forwardHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const connectionTokens = new Set(
    String(incoming.connection ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(incoming)) {
    if (v === undefined || HOP_BY_HOP.has(k) || connectionTokens.has(k) || isIdentityHeader(k) || k.startsWith('x-forwarded-')) continue;
    out[k] = v;
  }
  return out;
}
