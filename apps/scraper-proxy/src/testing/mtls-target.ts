import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** What the target saw of one request. */
export interface SeenRequest {
  readonly path: string;
  readonly host: string | undefined;
  readonly authorization: string | undefined;
  /** SHA-256 (lower-case hex) of the DER client certificate presented on the connection; undefined if none. */
  readonly clientFingerprint: string | undefined;
  /** Which TLS connection (1, 2, ...) carried the request. */
  readonly connection: number;
}

/** A running HTTPS target. */
export interface MtlsTarget {
  readonly port: number;
  /** `127.0.0.1:<port>` */
  readonly authority: string;
  readonly requests: SeenRequest[];
  /** TLS connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * Starts a real HTTPS target on 127.0.0.1:0 serving Prometheus text at every path. With `clientCa`, it asks for
 * a client certificate; `requireClientCert` (default true when clientCa is given) refuses handshakes without a
 * certificate that chains to clientCa. Keep-alive is long so pooled connections survive between scrapes.
 * `responseDelayMs` holds every answer back (a slow target, for timeouts).
 */
export async function startMtlsTarget(options: { cert: string; key: string; clientCa?: string; requireClientCert?: boolean; responseDelayMs?: number }): Promise<MtlsTarget> {
  const requests: SeenRequest[] = [];
  const ids = new WeakMap<object, number>();
  let connections = 0;
  const server = createServer(
    {
      cert: options.cert,
      key: options.key,
      ...(options.clientCa === undefined ? {} : { ca: options.clientCa, requestCert: true, rejectUnauthorized: options.requireClientCert ?? true }),
      keepAliveTimeout: 60_000,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      const raw = peer && 'raw' in peer ? peer.raw : undefined;
      requests.push({
        path: req.url ?? '',
        host: req.headers.host,
        authorization: req.headers.authorization,
        clientFingerprint: raw === undefined ? undefined : createHash('sha256').update(raw).digest('hex'),
        connection: ids.get(socket) ?? -1,
      });
      const body = '# HELP certscrape_test_up A metric served by the test target.\n# TYPE certscrape_test_up gauge\ncertscrape_test_up 1\n';
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (options.responseDelayMs === undefined) answer();
      else setTimeout(answer, options.responseDelayMs).unref();
    },
  );
  server.on('secureConnection', (socket) => ids.set(socket, ++connections));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    authority: `127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
