/**
 * How a proxy may frame the one upstream request it makes for a client request, decided from
 * the client's method and raw header list alone (pure: no I/O, no parser state).
 *
 * The rule it serves: one client request produces at most one upstream request, whatever the
 * client sent. A proxy that copies `Content-Length`/`Transfer-Encoding` (or drops them, e.g. as
 * hop-by-hop or because `Connection:` named them) lets the bytes of a body be read by the
 * upstream as a second request that authorization never saw. So the proxy never copies the
 * client's framing headers: it sets them from this decision, and forwards nothing when the
 * decision is a refusal.
 *
 * The checks repeat what Node's strict llhttp parser already refuses (both framing headers,
 * repeated or malformed `Content-Length`, codings other than `chunked`, invalid header names and
 * values) so that the guarantee does not depend on the parser mode (`--insecure-http-parser`,
 * HTTP/2, another server). Beyond llhttp it refuses a body on methods whose body has no defined
 * meaning (RFC 9110 §9.3: GET, HEAD, DELETE, OPTIONS, TRACE, CONNECT) — upstream servers
 * disagree on whether such a body exists, which is exactly the gap smuggling lives in.
 */
export type RequestFraming =
  /** No body: the upstream request carries neither framing header. */
  | { readonly ok: true; readonly body: 'none' }
  /** A body of exactly `length` bytes: forward `Content-Length: <length>`. */
  | { readonly ok: true; readonly body: 'length'; readonly length: number }
  /** A body of unknown length: forward `Transfer-Encoding: chunked` (HTTP/1.1) or a DATA stream (HTTP/2). */
  | { readonly ok: true; readonly body: 'chunked' }
  /** Refused: answer `status`, close the connection, forward nothing. */
  | { readonly ok: false; readonly status: 400 | 501; readonly reason: FramingRefusal };

/** Why a request's framing was refused (stable, for logs and tests). */
export type FramingRefusal =
  | 'header-name-invalid'
  | 'header-value-invalid'
  | 'content-length-invalid'
  | 'content-length-repeated'
  | 'transfer-encoding-with-content-length'
  | 'transfer-encoding-unsupported'
  | 'transfer-encoding-in-http-1.0'
  | 'transfer-encoding-in-http-2'
  | 'body-not-allowed';

/** The parts of a request the decision reads (a node:http `IncomingMessage` has them). */
export interface FramingInput {
  /** The request method as sent (case-sensitive, as HTTP methods are). */
  readonly method?: string | undefined;
  /** `'1.0'`, `'1.1'` or `'2.0'`. */
  readonly httpVersion: string;
  /**
   * Header names and values, alternating, as received (`IncomingMessage.rawHeaders`).
   * HTTP/2 pseudo-headers (`:method`, `:path`, …) are skipped when `httpVersion` is `'2.0'`.
   */
  readonly rawHeaders: readonly string[];
  /**
   * HTTP/2 only: whether the request's HEADERS frame ended the stream (`Http2Stream.endAfterHeaders`).
   * `false` means DATA frames may follow without a `Content-Length`: a body of unknown length.
   */
  readonly http2EndStream?: boolean | undefined;
}

/** Methods whose request body has no defined semantics (RFC 9110 §9.3): a body on them is refused. */
export const METHODS_WITHOUT_BODY: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

// RFC 9110 §5.1 field-name = token; §5.5 field-value chars: VCHAR, obs-text, SP, HTAB. The value
// set is also what node:http's client accepts, so a value passed here can always be re-sent.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
// Optional whitespace (SP/HTAB only) around the digits, as llhttp allows.
const CONTENT_LENGTH = /^[ \t]*([0-9]+)[ \t]*$/;

const NONE: RequestFraming = Object.freeze({ ok: true, body: 'none' });
const CHUNKED: RequestFraming = Object.freeze({ ok: true, body: 'chunked' });

function refuse(reason: FramingRefusal, status: 400 | 501 = 400): RequestFraming {
  return { ok: false, status, reason };
}

/**
 * Decides the framing of the upstream request for one client request (see {@link RequestFraming}).
 * Refusals: an invalid header name or value, a `Content-Length` that is repeated or not plain
 * digits, `Transfer-Encoding` together with `Content-Length`, `Transfer-Encoding` in HTTP/1.0 or
 * HTTP/2, any transfer coding but one header line saying `chunked` (501, as Go's net/http answers
 * unknown codings), and a body
 * (`chunked`, or a length above 0) on a method in {@link METHODS_WITHOUT_BODY}.
 * `Content-Length: 0` on those methods is accepted (a zero-length body is no body).
 */
export function decideRequestFraming(input: FramingInput): RequestFraming {
  const raw = input.rawHeaders;
  const http2 = input.httpVersion === '2.0';
  let contentLength: string | undefined;
  let lengthCount = 0;
  let transferEncoding: string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    if (http2 && name.charCodeAt(0) === 58 /* : */) continue;
    if (!TOKEN.test(name)) return refuse('header-name-invalid');
    if (INVALID_VALUE_CHAR.test(value)) return refuse('header-value-invalid');
    const lower = name.length === 14 || name.length === 17 ? name.toLowerCase() : '';
    if (lower === 'content-length') {
      lengthCount++;
      contentLength = value;
    } else if (lower === 'transfer-encoding') {
      (transferEncoding ??= []).push(value);
    }
  }
  if (transferEncoding !== undefined) {
    if (lengthCount > 0) return refuse('transfer-encoding-with-content-length');
    if (http2) return refuse('transfer-encoding-in-http-2');
    if (input.httpVersion === '1.0') return refuse('transfer-encoding-in-http-1.0');
    // Exactly one line saying exactly `chunked`: every other spelling is one some parser reads otherwise.
    if (transferEncoding.length !== 1 || (transferEncoding[0] as string).trim().toLowerCase() !== 'chunked') return refuse('transfer-encoding-unsupported', 501);
    return METHODS_WITHOUT_BODY.has(input.method ?? '') ? refuse('body-not-allowed') : CHUNKED;
  }
  if (lengthCount === 0) {
    // HTTP/2 needs no framing header for a body: an open stream after HEADERS is one.
    if (http2 && input.http2EndStream === false) return METHODS_WITHOUT_BODY.has(input.method ?? '') ? refuse('body-not-allowed') : CHUNKED;
    return NONE;
  }
  if (lengthCount > 1) return refuse('content-length-repeated');
  const m = CONTENT_LENGTH.exec(contentLength as string);
  if (m === null) return refuse('content-length-invalid');
  const length = Number(m[1]);
  if (!Number.isSafeInteger(length)) return refuse('content-length-invalid');
  if (length > 0 && METHODS_WITHOUT_BODY.has(input.method ?? '')) return refuse('body-not-allowed');
  return { ok: true, body: 'length', length };
}
