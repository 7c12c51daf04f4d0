import type { Agent, OutgoingHttpHeaders } from 'node:http';
import { HOP_BY_HOP_HEADERS } from '@certscrape/process-kit';
import { silentLogger, type TargetAuthLogger } from '../logger.js';
import type { RequestHandler } from '../middleware/types.js';
import { forwardRequestBody } from './forward-request-body.js';
import { answerUpstreamFailure, upstreamRequestHeaders } from './upstream-request.js';
import { admitRequestFraming, refuseRequest } from './with-request-framing.js';

// Not an ESM import of node:http: its namespace would load Node's bundled undici (see sidecar.ts).
const { Agent: AgentClass, request: httpRequest } = process.getBuiltinModule('node:http');

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
  const agent = options.agent ?? new AgentClass({ keepAlive: true, maxFreeSockets: 16 });
  const logger = options.logger ?? silentLogger;
  const base = options.upstream.pathname.replace(/\/+$/, '');
  const hostname = options.upstream.hostname.replace(/^\[|\]$/g, '');
  const protocol = options.upstream.protocol;
  const port = options.upstream.port === '' ? (protocol === 'https:' ? 443 : 80) : Number(options.upstream.port);

  const handler: RequestHandler = (req, res) => {
    const framing = admitRequestFraming(req, res, logger);
    if (framing === undefined) return;
    const headers = upstreamRequestHeaders(req, framing, { notForwarded: HOP_BY_HOP_HEADERS, http1: true, extraHeaders: options.extraHeaders?.(req) });
    let upstreamReq: ReturnType<typeof httpRequest>;
    try {
      upstreamReq = httpRequest({ agent, protocol, hostname, port, method: req.method, path: `${base}${req.url ?? '/'}`, headers, insecureHTTPParser: false }, (upstreamRes) => {
        const out: OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(upstreamRes.headers)) if (!HOP_BY_HOP_HEADERS.has(k) && v !== undefined) out[k] = v;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, out);
        // By hand rather than pipe(): the same backpressure with three listeners instead of pipe's
        // eight added and removed per scrape.
        upstreamRes.on('data', (chunk: Buffer) => {
          if (!res.write(chunk)) upstreamRes.pause();
        });
        res.on('drain', () => upstreamRes.resume());
        upstreamRes.on('end', () => res.end());
        upstreamRes.on('error', () => res.destroy());
      });
    } catch (err) {
      // node:http refused to send what the server parsed (a path or header it will not write).
      logger.warn({ err: (err as Error).message }, 'request refused: cannot be forwarded as received');
      refuseRequest(req, res, 400);
      return;
    }
    upstreamReq.on('error', (err) => answerUpstreamFailure(res, err, options.upstream, logger));
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    forwardRequestBody(req, upstreamReq, framing);
  };
  return Object.assign(handler, { agent });
}
