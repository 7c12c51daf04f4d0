// An upstream that keeps two independent records of what reached it: the raw bytes of every
// connection (for the raw-http-parser oracle) and every request a real node:http server parsed
// from those bytes (method, URL, raw headers, body). A TCP hop (tcp-forwarder) in front of the
// node:http server captures the bytes exactly as the sidecar wrote them.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { startTcpForwarder } from './tcp-forwarder.js';

/** A request as node:http parsed it. */
export interface ParsedRequest {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export interface RecordingUpstream {
  readonly port: number;
  /** Every request node:http parsed, in arrival order. */
  readonly parsed: ParsedRequest[];
  /** node:http parse errors (clientError), in order. */
  readonly parseErrors: string[];
  /** The raw bytes received, one buffer per connection. */
  streams(): Buffer[];
  close(): Promise<void>;
}

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const parsed: ParsedRequest[] = [];
  const parseErrors: string[] = [];
  const streams: Buffer[][] = [];

  const http: HttpServer = createHttpServer({ insecureHTTPParser: false }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      parsed.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: [...req.rawHeaders], body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`upstream saw ${req.method} ${req.url}\n`);
    });
  });
  http.on('clientError', (err: Error, socket: Socket) => {
    parseErrors.push(err.message);
    socket.destroy();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const httpPort = (http.address() as AddressInfo).port;

  const tcp = await startTcpForwarder({ host: '127.0.0.1', port: httpPort }, { onClientData: (connection, data) => (streams[connection] ??= []).push(Buffer.from(data)) });

  return {
    port: tcp.port,
    parsed,
    parseErrors,
    streams: () => streams.map((s) => Buffer.concat(s)).filter((b) => b.length > 0),
    close: async () => {
      await tcp.cut();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
