import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerOptions } from 'node:https';
import { createSecureServer as createHttp2SecureServer, type Http2SecureServer, type ServerHttp2Session, type Settings as Http2Settings } from 'node:http2';
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
  const server = createServer({ ...options.https, ...secureContextOptions(options), ticketKeys, requestCert: true, rejectUnauthorized: false }, handler);
  followSources(server, options, ticketKeys);
  return server;
}

/** Options of {@link createSecureHttp2Server}: those of {@link SecureServerOptions} plus HTTP/2 settings. */
export interface SecureHttp2ServerOptions extends SecureServerOptions {
  /** HTTP/2 SETTINGS advertised to clients (e.g. `maxConcurrentStreams`, `maxFrameSize`, `initialWindowSize`). */
  readonly settings?: Http2Settings;
}

/**
 * The same TLS behaviour as {@link createSecureServer} (client certificate requested, decided by
 * the middleware; CA list and serving pair follow their sources; no renegotiation), serving
 * HTTP/2 over ALPN `h2` with HTTP/1.1 fallback (`allowHTTP1`). Each request reaches `handler`
 * through node:http2's compatibility API; `req.socket` is the connection's TLS socket, so a
 * connection's client certificate is verified once for all its streams.
 */
export function createSecureHttp2Server(options: SecureHttp2ServerOptions, handler: RequestHandler): Http2SecureServer {
  const ticketKeys = options.https?.ticketKeys ?? randomBytes(48);
  // node:http2 shows a session's socket only through a proxy that throws ERR_HTTP2_SOCKET_UNBOUND once
  // the session is gone, and the middleware reads req.socket after awaiting authentication, when the
  // client may have reset the stream or closed the session. So each session's TLS socket itself is kept
  // (it answers when destroyed too): node:http2's connection listener creates the session and emits
  // 'session' synchronously between the two 'secureConnection' listeners below.
  const tlsSockets = new WeakMap<ServerHttp2Session, TLSSocket>();
  let connecting: TLSSocket | undefined;
  const server = createHttp2SecureServer(
    { ...(options.https as object), ...secureContextOptions(options), ticketKeys, requestCert: true, rejectUnauthorized: false, allowHTTP1: true, ...(options.settings ? { settings: options.settings } : {}) },
    (req, res) => {
      if (req.httpVersionMajor === 2) Object.defineProperty(req, 'socket', { value: tlsSockets.get(req.stream.session as ServerHttp2Session) ?? req.socket, configurable: true });
      handler(req as unknown as Parameters<RequestHandler>[0], res as unknown as Parameters<RequestHandler>[1]);
    },
  );
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    connecting = socket;
  });
  server.on('session', (session) => {
    if (connecting !== undefined) tlsSockets.set(session, connecting);
  });
  server.on('secureConnection', () => {
    connecting = undefined;
  });
  followSources(server, options, ticketKeys);
  return server;
}

function secureContextOptions(options: SecureServerOptions): { cert: Buffer; key: Buffer; ca?: string } {
  const pair = options.serving.current();
  const ca = options.caBundle.current().pem;
  return { cert: pair.cert, key: pair.key, ...(ca !== '' ? { ca } : {}) };
}

/** node:tls's codes for a client's renegotiation attempt on a server socket (disabled, or over the limit). */
const RENEGOTIATION_REFUSALS: ReadonlySet<string> = new Set(['ERR_TLS_RENEGOTIATION_DISABLED', 'ERR_TLS_SESSION_ATTACK']);

function followSources(server: Server | Http2SecureServer, options: SecureServerOptions, ticketKeys: Buffer): void {
  const context = () => ({ ...(options.https?.ciphers !== undefined ? { ciphers: options.https.ciphers } : {}), ...(options.https?.minVersion !== undefined ? { minVersion: options.https.minVersion } : {}), ...secureContextOptions(options) });
  const refresh = () => {
    server.setSecureContext(context());
    server.setTicketKeys(ticketKeys);
  };
  const offCa = options.caBundle.onChange(refresh);
  const offServing = options.serving.onChange(refresh);
  server.on('secureConnection', (socket: TLSSocket) => {
    socket.disableRenegotiation();
    // node:tls reports a refused renegotiation only as an 'error' on the socket and leaves closing
    // to its listeners. node:https's clientError handler closes; an h2 session's destroy (Node 24)
    // waits for writes held behind the refused handshake, so the connection stayed open. Close it here.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (RENEGOTIATION_REFUSALS.has(err.code ?? '')) socket.destroy();
    });
  });
  server.on('close', () => {
    offCa();
    offServing();
  });
}
