import { Agent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { silentLogger, type TargetAuthLogger } from '../logger.js';
import { isForwardableHeaderName, isIdentityHeader } from '../middleware/identity-headers.js';
import type { RequestHandler } from '../middleware/types.js';
import { forwardRequestBody } from './forward-request-body.js';
import { admitRequestFraming, refuseRequest, type ForwardableFraming } from './with-request-framing.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate']);
// Never copied from the client: the upstream request's framing is set from decideRequestFraming.
const FRAMING = new Set(['content-length', 'transfer-encoding']);

/** Options of {@link createUpstreamProxy}. */
export interface UpstreamProxyOptions {
  /** `http://host:port[/base]`; the request path is appended to the base path. */
  readonly upstream: URL;
  /** Keep-alive agent for upstream connections. Default: a new keep-alive agent. */
  readonly agent?: Agent;
  readonly logger?: TargetAuthLogger;
  /** Headers added after stripping (the sidecar's `--auth-header-fields-enabled` identity). Default none. */
  readonly extraHeaders?: (req: Parameters<RequestHandler>[0]) => OutgoingHttpHeaders;
}

/**
 * The terminal handler of the sidecar: forwards the (already authorized, header-stripped,
 * path-normalised) request to the plain-HTTP upstream over a keep-alive agent and streams the
 * answer back. One client request makes at most one upstream request: the framing is decided by
 * `decideRequestFraming` through {@link admitRequestFraming} (a refusal is answered 400/501 with
 * `Connection: close`, condemns the connection, and nothing is forwarded), and the upstream
 * request's `Content-Length`/`Transfer-Encoding` are set from that decision, never copied.
 * Hop-by-hop headers, names with characters other than letters, digits and `-`, and identity
 * headers (again, defensively) are dropped; `X-Forwarded-For`/`-Proto`/`-Host` are set.
 * Upstream failure -> 502 with a generic body.
 */
export function createUpstreamProxy(options: UpstreamProxyOptions): RequestHandler & { readonly agent: Agent } {
  const agent = options.agent ?? new Agent({ keepAlive: true, maxFreeSockets: 16 });
  const logger = options.logger ?? silentLogger;
  const base = options.upstream.pathname.replace(/\/+$/, '');
  const hostname = options.upstream.hostname.replace(/^\[|\]$/g, '');
  const protocol = options.upstream.protocol;
  const port = options.upstream.port === '' ? (protocol === 'https:' ? 443 : 80) : Number(options.upstream.port);

  const handler: RequestHandler = (req, res) => {
    const framing = admitRequestFraming(req, res, logger);
    if (framing === undefined) return;
    const headers = forwardHeaders(req.headers);
    setFraming(headers, framing);
    if (options.extraHeaders !== undefined) Object.assign(headers, options.extraHeaders(req));
    const remote = req.socket.remoteAddress;
    if (remote !== undefined) headers['x-forwarded-for'] = remote;
    headers['x-forwarded-proto'] = 'https';
    const host = req.headers.host ?? req.headers[':authority'];
    if (typeof host === 'string') headers['x-forwarded-host'] = host;
    let upstreamReq: ReturnType<typeof httpRequest>;
    try {
      upstreamReq = httpRequest({ agent, protocol, hostname, port, method: req.method, path: `${base}${req.url ?? '/'}`, headers, insecureHTTPParser: false }, (upstreamRes) => {
        const out: OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(upstreamRes.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, out);
        upstreamRes.pipe(res);
        upstreamRes.on('error', () => res.destroy());
      });
    } catch (err) {
      // node:http refused to send what the server parsed (a path or header it will not write).
      logger.warn({ err: (err as Error).message }, 'request refused: cannot be forwarded as received');
      refuseRequest(req, res, 400);
      return;
    }
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
    forwardRequestBody(req, upstreamReq, framing);
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
    // HTTP/2 pseudo-headers (`:path`, `:authority`, …) are not header fields of the upstream request
    // (excluded with every other name outside [A-Za-z0-9-], which folding upstreams could misread).
    if (v === undefined || !isForwardableHeaderName(k) || HOP_BY_HOP.has(k) || FRAMING.has(k) || connectionTokens.has(k) || isIdentityHeader(k) || k.startsWith('x-forwarded-')) continue;
    out[k] = v;
  }
  return out;
}

function setFraming(headers: OutgoingHttpHeaders, framing: ForwardableFraming): void {
  if (framing.body === 'length') headers['content-length'] = String(framing.length);
  else if (framing.body === 'chunked') headers['transfer-encoding'] = 'chunked';
}

