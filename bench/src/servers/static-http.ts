// The sidecar's upstream: a plain HTTP server serving the exposition.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, readServerArgs } from './server-args.js';

const { args, body } = readServerArgs();
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(args.port, '127.0.0.1', () => announceReady((server.address() as AddressInfo).port));
