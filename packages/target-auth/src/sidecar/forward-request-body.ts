import type { Readable, Writable } from 'node:stream';
import type { ForwardableFraming } from './with-request-framing.js';

/** The client request as {@link forwardRequestBody} reads it (node:http's and node:http2's compat requests have it). */
export type ClientBody = Readable & { readonly aborted?: boolean };

/**
 * Copies a client request's body into the one upstream request made for it, and ends the upstream
 * request only when the client's body arrived complete: not aborted, and exactly `length` bytes when
 * the framing forwarded a `Content-Length`. Otherwise the upstream request is destroyed, never ended.
 *
 * `req.pipe(upstream)` ends the upstream request on the client's 'end', which node:http2 emits for
 * a stream the client reset, or ended short of its Content-Length. node:http's client then sends a
 * request shorter than the Content-Length it declared and pools the connection: the upstream
 * reads the start of the next request on that connection (another client's, perhaps) as the rest
 * of this body, and parses what remains as a request. Destroying the upstream request closes that
 * connection instead.
 */
export function forwardRequestBody(req: ClientBody, upstream: Writable, framing: ForwardableFraming): void {
  // No body (HTTP/1.1 without framing headers, or an HTTP/2 HEADERS frame that ended the stream):
  // there is nothing to wait for, so the upstream request goes out now rather than a tick later on
  // the client's 'end', and without four listeners per scrape. A client that goes away after this
  // is handled by the proxy (its response 'close' destroys the upstream request).
  if (framing.body === 'none') {
    upstream.end();
    return;
  }
  const expected = framing.body === 'length' ? framing.length : undefined;
  let forwarded = 0;
  let cut = false;
  const cutOff = () => {
    if (cut) return;
    cut = true;
    req.off('data', onData);
    upstream.destroy();
  };
  const onData = (chunk: Buffer) => {
    forwarded += chunk.length;
    if (expected !== undefined && forwarded > expected) return cutOff();
    if (!upstream.write(chunk)) {
      req.pause();
      upstream.once('drain', () => req.resume());
    }
  };
  req.on('data', onData);
  req.once('aborted', cutOff);
  req.once('error', cutOff);
  req.once('close', () => {
    if (!req.readableEnded) cutOff();
  });
  req.once('end', () => {
    if (cut) return;
    if (req.aborted === true || (expected !== undefined && forwarded !== expected)) cutOff();
    else upstream.end();
  });
}
