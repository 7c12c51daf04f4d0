import type { IncomingMessage, ServerResponse } from 'node:http';
import { silentLogger, type TargetAuthLogger } from '../logger.js';
import type { RequestHandler } from '../middleware/types.js';
import { decideRequestFraming, type RequestFraming } from './request-framing.js';

/** A framing decision that allows forwarding. */
export type ForwardableFraming = Extract<RequestFraming, { ok: true }>;

const decided = new WeakMap<IncomingMessage, RequestFraming>();
// Connections on which a request was refused: what follows on them is not where the client says.
const refusedConnections = new WeakSet<object>();

/**
 * Admits one request for forwarding, or answers it: the {@link decideRequestFraming} decision
 * (computed once per request) when it allows forwarding; otherwise `undefined` after answering
 * 400/501 with `Connection: close`. A refusal also condemns the connection: requests the server
 * already parsed behind it (pipelined) are dropped by destroying the socket, never forwarded,
 * because once one message's length is in doubt so is where the next one starts.
 */
export function admitRequestFraming(req: IncomingMessage, res: ServerResponse, logger: TargetAuthLogger = silentLogger): ForwardableFraming | undefined {
  if (refusedConnections.has(req.socket)) {
    req.socket.destroy();
    return undefined;
  }
  let framing = decided.get(req);
  if (framing === undefined) {
    const stream = (req as { stream?: { endAfterHeaders?: boolean } }).stream;
    framing = decideRequestFraming({ method: req.method, httpVersion: req.httpVersion, rawHeaders: req.rawHeaders, http2EndStream: stream?.endAfterHeaders });
    decided.set(req, framing);
  }
  if (framing.ok) return framing;
  logger.warn({ reason: framing.reason, method: req.method }, 'request refused: ambiguous framing');
  refuseRequest(req, res, framing.status);
  return undefined;
}

/**
 * Answers `status` (400 or 501) with `Connection: close`, condemns the connection (see
 * {@link admitRequestFraming}) and destroys it once the answer is written.
 */
export function refuseRequest(req: IncomingMessage, res: ServerResponse, status: 400 | 501): void {
  if (req.httpVersionMajor === 2) {
    // HTTP/2 frames every stream itself (no message can run into the next) and node:http2 refuses
    // a Connection field: answer this stream only; the connection's other streams are unaffected.
    const body = status === 400 ? 'Bad Request\n' : 'Not Implemented\n';
    if (res.headersSent) res.destroy();
    else {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }
    return;
  }
  refusedConnections.add(req.socket);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = status === 400 ? 'Bad Request\n' : 'Not Implemented\n';
  res.shouldKeepAlive = false;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body, () => req.socket.destroy());
}

/**
 * The sidecar's first step, before authentication: a request whose framing is refused (or that
 * follows a refused one on its connection) never reaches authentication, authorization or the
 * upstream. Synchronous, so a refusal is recorded before the next pipelined request is handled.
 */
export function withRequestFraming(options: { readonly logger?: TargetAuthLogger }, next: RequestHandler): RequestHandler {
  const logger = options.logger ?? silentLogger;
  return (req, res) => {
    if (admitRequestFraming(req, res, logger) !== undefined) next(req, res);
  };
}
