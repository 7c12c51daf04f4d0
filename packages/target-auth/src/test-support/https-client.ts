// A small HTTPS client for tests: real TLS, optional client certificate, keep-alive agents.
import { Agent, request } from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface ClientIdentity {
  readonly cert: string;
  readonly key: string;
}

export interface Response {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly reusedSocket: boolean;
  readonly sessionReused: boolean;
  readonly socket: TLSSocket;
}

export interface RequestOptions {
  readonly port: number;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly ca: string;
  readonly identity?: ClientIdentity;
  readonly agent?: Agent;
  readonly body?: string;
}

/** One request; resolves with status, body and whether the socket/TLS session was reused. */
export function httpsRequest(o: RequestOptions): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: o.port,
        path: o.path ?? '/metrics',
        method: o.method ?? 'GET',
        headers: o.headers,
        ca: o.ca,
        ...(o.identity ? { cert: o.identity.cert, key: o.identity.key } : {}),
        agent: o.agent ?? false,
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const sessionReused = socket.isSessionReused();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers, reusedSocket: req.reusedSocket, sessionReused, socket });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** A keep-alive agent holding at most one connection, so consecutive requests share it. */
export function singleConnectionAgent(o: { ca: string; identity?: ClientIdentity; maxCachedSessions?: number }): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1, ca: o.ca, ...(o.identity ? { cert: o.identity.cert, key: o.identity.key } : {}), maxCachedSessions: o.maxCachedSessions ?? 0 });
}
