// A small HTTP/2 client for tests: real TLS with ALPN h2, optional client certificate; one
// session per call unless one is passed in (then streams share its connection).
import { connect, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import type { ClientIdentity } from './https-client.js';

export interface H2Response {
  readonly status: number;
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
}

export interface H2SessionOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly port: number;
  readonly ca: string;
  readonly identity?: ClientIdentity;
  /** Do not verify the serving certificate (a generated self-signed one, as Prometheus' insecure_skip_verify). */
  readonly insecure?: boolean;
}

/** Opens an h2 session (ALPN `h2` only); rejects if the server does not speak h2. */
export function h2Session(o: H2SessionOptions): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = connect(`https://${o.host ?? '127.0.0.1'}:${o.port}`, { ca: o.ca, ...(o.insecure ? { rejectUnauthorized: false } : {}), ...(o.identity ? { cert: o.identity.cert, key: o.identity.key } : {}) });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** One request on `session` (or on a new session that is closed afterwards). */
export async function h2Request(o: H2SessionOptions & { readonly path?: string; readonly method?: string; readonly headers?: OutgoingHttpHeaders; readonly body?: string; readonly session?: ClientHttp2Session }): Promise<H2Response> {
  const session = o.session ?? (await h2Session(o));
  try {
    return await new Promise<H2Response>((resolve, reject) => {
      const stream = session.request({ ':method': o.method ?? 'GET', ':path': o.path ?? '/metrics', ...o.headers }, { endStream: o.body === undefined });
      let headers: IncomingHttpHeaders = {};
      let body = '';
      stream.setEncoding('utf8');
      stream.on('response', (h) => (headers = h));
      stream.on('data', (c: string) => (body += c));
      stream.on('end', () => resolve({ status: Number(headers[':status']), body, headers }));
      stream.on('error', reject);
      if (o.body !== undefined) stream.end(o.body);
    });
  } finally {
    if (o.session === undefined) session.close();
  }
}
