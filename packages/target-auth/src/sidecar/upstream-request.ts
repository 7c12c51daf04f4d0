import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { connectionTokens } from '@certscrape/process-kit';
import type { TargetAuthLogger } from '../logger.js';
import { isForwardableHeaderName, isIdentityHeader } from '../middleware/identity-headers.js';
import type { ForwardableFraming } from './with-request-framing.js';

/** Options of {@link upstreamRequestHeaders}. */
export interface UpstreamRequestHeadersOptions {
  /** Header names never copied from the client (hop-by-hop, plus what the upstream protocol forbids). */
  readonly notForwarded: ReadonlySet<string>;
  /** The upstream speaks HTTP/1.1: a chunked body is sent with `Transfer-Encoding: chunked` (HTTP/2 frames it itself). */
  readonly http1: boolean;
  /** Added after stripping (the sidecar's `--auth-header-fields-enabled` identity). */
  readonly extraHeaders?: OutgoingHttpHeaders | undefined;
}

/**
 * The header fields both upstream proxies send (HTTP/1.1 and h2c): the client's fields minus
 * `notForwarded`, those its `Connection` names, `Content-Length`/`Transfer-Encoding` (set from the
 * framing decision, never copied), identity headers, `X-Forwarded-*`, and any name outside
 * [A-Za-z0-9-] (HTTP/2 pseudo-headers included); then `extraHeaders`; then `X-Forwarded-For`
 * (the peer), `-Proto` (https) and `-Host` (the client's Host / :authority).
 */
export function upstreamRequestHeaders(req: IncomingMessage, framing: ForwardableFraming, options: UpstreamRequestHeadersOptions): OutgoingHttpHeaders {
  const tokens = connectionTokens(req.headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || !isForwardableHeaderName(k) || options.notForwarded.has(k) || k === 'content-length' || k === 'transfer-encoding' || tokens.has(k) || isIdentityHeader(k) || k.startsWith('x-forwarded-')) continue;
    out[k] = v;
  }
  if (framing.body === 'length') out['content-length'] = String(framing.length);
  else if (framing.body === 'chunked' && options.http1) out['transfer-encoding'] = 'chunked';
  if (options.extraHeaders !== undefined) Object.assign(out, options.extraHeaders);
  const remote = req.socket.remoteAddress;
  if (remote !== undefined) out['x-forwarded-for'] = remote;
  out['x-forwarded-proto'] = 'https';
  const host = req.headers.host ?? req.headers[':authority'];
  if (typeof host === 'string') out['x-forwarded-host'] = host;
  return out;
}

/** An upstream failure: logged with its cause, answered 502 with a generic body, or the response cut if it had started. */
export function answerUpstreamFailure(res: ServerResponse, err: Error, upstream: URL, logger: TargetAuthLogger): void {
  logger.warn({ err: err.message, upstream: upstream.origin }, 'upstream request failed');
  if (!res.headersSent) {
    res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Bad Gateway\n');
  } else {
    res.destroy();
  }
}
