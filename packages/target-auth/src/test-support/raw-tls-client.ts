// Raw bytes over a real TLS connection (with a client certificate), or plain TCP: for requests no
// HTTP client library would send (smuggling attempts, pipelining, malformed framing).
import { connect as tcpConnect } from 'node:net';
import { connect } from 'node:tls';
import type { ClientIdentity } from './https-client.js';

/** Options of {@link sendRaw}. */
export interface RawSendOptions {
  readonly port: number;
  /** The serving CA; omitted: plain TCP instead of TLS. */
  readonly ca?: string;
  readonly identity?: ClientIdentity;
  readonly bytes: Buffer | string;
  /** Destroy the connection if the server has not closed it by then. Default 15 000 ms. */
  readonly giveUpMs?: number;
}

/**
 * Writes `bytes` and resolves with everything the server sent once it closes the connection
 * (callers end their last request with `Connection: close`). Strings are sent as latin1.
 */
export function sendRaw(o: RawSendOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const send = () => s.write(typeof o.bytes === 'string' ? Buffer.from(o.bytes, 'latin1') : o.bytes);
    const s = o.ca === undefined ? tcpConnect(o.port, '127.0.0.1', send) : connect({ host: '127.0.0.1', port: o.port, ca: o.ca, ...(o.identity ? { cert: o.identity.cert, key: o.identity.key } : {}) }, send);
    const timer = setTimeout(() => s.destroy(), o.giveUpMs ?? 15_000);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ECONNRESET') reject(e);
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/**
 * The status codes of the HTTP/1.1 responses in `bytes`: lines that start with `HTTP/1.1 NNN `
 * (the bodies in these tests are short texts that never contain one).
 */
export function responseStatuses(bytes: Buffer): number[] {
  return [...bytes.toString('latin1').matchAll(/(?:^|\n)HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}
