import { connect, constants, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import { HOP_BY_HOP_HEADERS } from '@certscrape/process-kit';
import { silentLogger, type TargetAuthLogger } from '../logger.js';
import type { RequestHandler } from '../middleware/types.js';
import { forwardRequestBody } from './forward-request-body.js';
import { answerUpstreamFailure, upstreamRequestHeaders } from './upstream-request.js';
import { admitRequestFraming, refuseRequest } from './with-request-framing.js';

// Hop-by-hop fields, plus what HTTP/2 carries elsewhere or forbids (RFC 9113 §8.2.2, §8.3.1).
const NOT_FORWARDED: ReadonlySet<string> = new Set([...HOP_BY_HOP_HEADERS, 'host', 'http2-settings']);

/** Options of {@link createH2cUpstreamProxy}. */
export interface H2cUpstreamProxyOptions {
  /** `http://` loopback upstream (checked by the flags). */
  readonly upstream: URL;
  readonly logger?: TargetAuthLogger;
  /** Headers to add after stripping (e.g. `--auth-header-fields-enabled`). */
  readonly extraHeaders?: (req: IncomingMessage) => OutgoingHttpHeaders;
}

/**
 * `--upstream-force-h2c`: forwards each authorized request as one stream on a single HTTP/2
 * cleartext (prior-knowledge) session to the upstream, reconnecting when it closes. The framing
 * decision is the same as the HTTP/1.1 proxy's (`admitRequestFraming`): a refusal is
 * answered 400/501 and nothing is forwarded; a declared `Content-Length` is forwarded as such.
 * Identity headers are dropped, `X-Forwarded-*` set. Upstream failure -> 502.
 */
export function createH2cUpstreamProxy(options: H2cUpstreamProxyOptions): RequestHandler & { close(): void } {
  const logger = options.logger ?? silentLogger;
  const base = options.upstream.pathname.replace(/\/+$/, '');
  let session: ClientHttp2Session | undefined;
  const sessionFor = (): ClientHttp2Session => {
    if (session === undefined || session.closed || session.destroyed) {
      const s = connect(options.upstream.origin);
      s.on('error', (err) => logger.warn({ err: err.message, upstream: options.upstream.origin }, 'h2c upstream session failed'));
      s.on('close', () => {
        if (session === s) session = undefined;
      });
      s.unref();
      session = s;
    }
    return session;
  };

  const handler: RequestHandler = (req, res) => {
    const framing = admitRequestFraming(req, res, logger);
    if (framing === undefined) return;
    const headers = upstreamRequestHeaders(req, framing, { notForwarded: NOT_FORWARDED, http1: false, extraHeaders: options.extraHeaders?.(req) });
    headers[constants.HTTP2_HEADER_METHOD] = req.method ?? 'GET';
    headers[constants.HTTP2_HEADER_PATH] = `${base}${req.url ?? '/'}`;
    headers[constants.HTTP2_HEADER_AUTHORITY] = options.upstream.host;
    headers[constants.HTTP2_HEADER_SCHEME] = 'http';
    let stream;
    try {
      stream = sessionFor().request(headers, { endStream: framing.body === 'none' });
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'request refused: cannot be forwarded as received');
      refuseRequest(req, res, 400);
      return;
    }
    stream.on('response', (h) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(h)) if (!k.startsWith(':') && v !== undefined && !NOT_FORWARDED.has(k)) out[k] = v as string | string[];
      res.writeHead(Number(h[constants.HTTP2_HEADER_STATUS] ?? 502), out);
      stream.pipe(res);
    });
    stream.on('error', (err) => answerUpstreamFailure(res, err, options.upstream, logger));
    res.on('close', () => {
      if (!res.writableFinished) stream.close(constants.NGHTTP2_CANCEL);
    });
    if (framing.body !== 'none') forwardRequestBody(req, stream, framing);
  };
  return Object.assign(handler, { close: () => session?.close() });
}
