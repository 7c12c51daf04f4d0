import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { CaBundleSource } from './ca-bundle.js';
import type { RequestHandler } from './middleware/types.js';
import type { ServingPairSource } from './serving-cert.js';

/** Options of {@link createSecureServer}. */
export interface SecureServerOptions {
  /** The client CA bundle: advertised in the handshake's CertificateRequest and followed on reload. */
  readonly caBundle: CaBundleSource;
  /** The serving certificate/key, followed on reload. */
  readonly serving: ServingPairSource;
  /**
   * Extra node:https options (e.g. `minVersion`, `keepAliveTimeout` is set on the server).
   * `requestCert`/`rejectUnauthorized`/`ca`/`cert`/`key` are owned by this function.
   */
  readonly https?: Omit<ServerOptions, 'requestCert' | 'rejectUnauthorized' | 'ca' | 'cert' | 'key'>;
}

/**
 * An HTTPS server for target-auth: `requestCert: true, rejectUnauthorized: false`, so the
 * middleware (not the handshake) decides and can fall back to tokens; the handshake's CA list
 * and the serving pair follow their sources via `setSecureContext` (TLS session ticket keys are
 * kept across reloads, which is safe because every request is re-verified against the current
 * bundle). TLS 1.2 renegotiation is disabled so a connection's client certificate cannot change.
 * Listeners are removed when the server closes.
 */
export function createSecureServer(options: SecureServerOptions, handler: RequestHandler): Server {
  const ticketKeys = options.https?.ticketKeys ?? randomBytes(48);
  const context = () => {
    const pair = options.serving.current();
    const ca = options.caBundle.current().pem;
    return { cert: pair.cert, key: pair.key, ...(ca !== '' ? { ca } : {}) };
  };
  const server = createServer({ ...options.https, ...context(), ticketKeys, requestCert: true, rejectUnauthorized: false }, handler);
  const refresh = () => {
    server.setSecureContext(context());
    server.setTicketKeys(ticketKeys);
  };
  const offCa = options.caBundle.onChange(refresh);
  const offServing = options.serving.onChange(refresh);
  server.on('secureConnection', (socket: TLSSocket) => {
    socket.disableRenegotiation();
  });
  server.on('close', () => {
    offCa();
    offServing();
  });
  return server;
}
