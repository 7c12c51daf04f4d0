import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import { Agent, request } from 'node:https';

/** How the load generator connects: one pooled keep-alive connection per worker, or a new full TLS handshake per request. */
export type LoadMode = 'keepalive' | 'handshake';

/** Options of {@link runLoad}. Every loop is bounded by `requests` and `maxMillis`. */
export interface LoadOptions {
  readonly url: URL;
  readonly mode: LoadMode;
  readonly requests: number;
  readonly concurrency: number;
  readonly maxMillis: number;
  /** Client certificate and key (PEM); omit to connect without one. */
  readonly cert?: string;
  readonly key?: string;
  /** CA that signed the server certificate. */
  readonly ca: string;
  readonly servername?: string;
  /**
   * TLS key-exchange groups to offer (node:tls `ecdhCurve`), e.g. `X25519`. Default: Node's own list, whose first
   * choice on Node 24 (OpenSSL 3.5) is the hybrid X25519MLKEM768: a Node 24 server takes it, nginx on OpenSSL 3.0
   * and Go before 1.24 cannot and use X25519, so a handshake comparison across them needs one group pinned.
   */
  readonly ecdhCurve?: string;
  readonly headers?: Record<string, string>;
  /** Send each request as a plain-HTTP absolute-form request to this forward proxy (Prometheus `proxy_url`). */
  readonly proxy?: URL;
}

/** What a load run saw. `latenciesMs` has one entry per completed request. */
export interface LoadResult {
  readonly ok: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
}

/**
 * The one load generator every server is measured with: node:https, a client
 * certificate when given, no TLS session resumption in handshake mode (a fresh
 * agent-less connection per request), `concurrency` workers in parallel.
 */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const tls = { ca: o.ca, ...(o.cert ? { cert: o.cert, key: o.key } : {}), ...(o.ecdhCurve ? { ecdhCurve: o.ecdhCurve } : {}), ...(o.servername ? { servername: o.servername } : /^[\d.]+$|:/.test(o.url.hostname) ? {} : { servername: o.url.hostname }) };
  const pool = { keepAlive: true, maxSockets: o.concurrency, maxFreeSockets: o.concurrency };
  const agent = o.proxy ? new HttpAgent(pool) : o.mode === 'keepalive' ? new Agent({ ...pool, ...tls }) : undefined;
  const statuses: Record<string, number> = {};
  const latenciesMs: number[] = [];
  let issued = 0;
  let ok = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + o.maxMillis;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const target = o.url.href.replace(/^https:/, 'http:');
      const send = (opts: RequestOptions, cb: (res: IncomingMessage) => void) =>
        o.proxy ? httpRequest({ host: o.proxy.hostname, port: o.proxy.port, path: target, ...opts }, cb) : request(o.url, opts, cb);
      const req = send(
        {
          method: 'GET',
          ...(agent ? { agent } : { agent: false, ...tls }),
          headers: { ...(o.mode === 'handshake' ? { connection: 'close' } : {}), ...o.headers },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            latenciesMs.push(performance.now() - t0);
            const code = String(res.statusCode);
            statuses[code] = (statuses[code] ?? 0) + 1;
            if (res.statusCode === 200) ok++;
            else errors++;
            resolve();
          });
          res.on('error', () => {
            errors++;
            resolve();
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        statuses[e.code ?? 'error'] = (statuses[e.code ?? 'error'] ?? 0) + 1;
        errors++;
        resolve();
      });
      req.end();
    });
  const worker = async () => {
    while (issued < o.requests && performance.now() < deadline) {
      issued++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  agent?.destroy();
  return { ok, errors, statuses, elapsedMs: performance.now() - start, latenciesMs };
}
