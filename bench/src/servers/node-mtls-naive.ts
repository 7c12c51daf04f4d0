// Reference: a naive Node mTLS server — the handshake verifies the chain (rejectUnauthorized),
// and every request calls getPeerCertificate() and compares the CN. It separates what Node's
// TLS stack costs for mTLS from what target-auth adds on top.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { announceReady, readServerArgs } from './server-args.js';

const { args, body } = readServerArgs();
const server = createServer(
  { cert: readFileSync(args.certFile), key: readFileSync(args.keyFile), ca: readFileSync(args.caFile!), requestCert: true, rejectUnauthorized: true },
  (req, res) => {
    const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
    if (cn !== args.user) {
      res.writeHead(403).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': body.length });
    res.end(body);
  },
);
server.keepAliveTimeout = 60_000;
server.listen(args.port, '127.0.0.1', () => announceReady((server.address() as AddressInfo).port));
