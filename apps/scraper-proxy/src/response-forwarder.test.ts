import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseForwarder, type ForwardEvents } from './response-forwarder.js';

// Real servers on port 0: a target, and a front server whose handler forwards through ResponseForwarder.
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface Seen {
  readonly failures: Error[];
  readonly ends: Array<Error | undefined>;
}

async function front(targetOrigin: string, beforeDispatch?: (f: ResponseForwarder) => void): Promise<{ origin: string; seen: Seen }> {
  const agent = new Agent();
  closers.push(() => agent.close());
  const seen: Seen = { failures: [], ends: [] };
  const { origin } = await listen((req, res) => {
    const events: ForwardEvents = {
      onResponseStart: (status, headers) => res.writeHead(status, { 'content-type': String(headers['content-type']) }),
      onFailure: (e) => {
        seen.failures.push(e);
        res.writeHead(502).end('failed');
      },
      onEnd: (e) => seen.ends.push(e),
    };
    const forwarder = new ResponseForwarder(res, events);
    beforeDispatch?.(forwarder);
    agent.dispatch({ origin: targetOrigin, path: req.url ?? '/', method: 'GET' }, forwarder);
  });
  return { origin, seen };
}

function fetchAll(url: string): Promise<{ status: number; body: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), complete: res.complete }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), complete: false }));
    }).on('error', reject);
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('ResponseForwarder', () => {
  it('writes a body many times the high-water mark through complete and byte-identical', async () => {
    const body = randomBytes(8 * 1024 * 1024);
    const target = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      // In pieces, so the forwarder sees many chunks and must pause and resume the target's connection.
      let offset = 0;
      const more = () => {
        while (offset < body.length) {
          const piece = body.subarray(offset, offset + 65_536);
          offset += piece.length;
          if (!res.write(piece)) return res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    const { origin, seen } = await front(target.origin);
    const got = await fetchAll(`${origin}/big`);
    expect(got.status).toBe(200);
    expect(got.complete).toBe(true);
    expect(sha(got.body)).toBe(sha(body));
    expect(seen).toEqual({ failures: [], ends: [undefined] });
  });

  it('a scraper that stops reading stalls the target (backpressure), instead of the proxy buffering the body', async () => {
    // More than the kernel buffers of both hops hold: without backpressure the proxy would read it all into memory.
    const piece = Buffer.alloc(1024 * 1024, 0x61);
    const pieces = 64;
    const progress = { written: 0, waitingForDrain: false };
    const target = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': piece.length * pieces });
      const more = () => {
        progress.waitingForDrain = false;
        while (progress.written < pieces) {
          progress.written++;
          if (!res.write(piece)) {
            progress.waitingForDrain = true;
            return res.once('drain', more);
          }
        }
        res.end();
      };
      more();
    });
    const { origin, seen } = await front(target.origin);
    const received = await new Promise<{ res: IncomingMessage }>((resolve, reject) => {
      get(`${origin}/stalled`, (res) => {
        res.pause();
        resolve({ res });
      }).on('error', reject);
    });
    await expect.poll(() => progress.waitingForDrain, { timeout: 10_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(progress.waitingForDrain).toBe(true);
    expect(progress.written).toBeLessThan(pieces);
    let length = 0;
    received.res.on('data', (c: Buffer) => (length += c.length));
    received.res.resume();
    await once(received.res, 'end');
    expect(length).toBe(piece.length * pieces);
    expect(seen.ends).toEqual([undefined]);
  });

  it('cuts the scraper connection when the target cuts the body short, and reports the error', async () => {
    const target = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 1000 });
      res.write('x'.repeat(100));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const { origin, seen } = await front(target.origin);
    const got = await fetchAll(`${origin}/short`);
    expect(got.complete).toBe(false);
    expect(got.body.length).toBeLessThan(1000);
    await expect.poll(() => seen.ends.length).toBe(1);
    expect(seen.ends[0]).toBeInstanceOf(Error);
    expect(seen.failures).toEqual([]);
  });

  it('an abort before undici starts the request fails the exchange with that reason, and nothing reaches the target', async () => {
    let targetRequests = 0;
    const target = await listen((_req, res) => {
      targetRequests++;
      res.end('ok');
    });
    const reason = Object.assign(new Error('no answer within 1 ms'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    const { origin, seen } = await front(target.origin, (f) => f.abort(reason));
    const got = await fetchAll(`${origin}/aborted`);
    expect(got.status).toBe(502);
    expect(seen.failures).toEqual([reason]);
    expect(seen.ends).toEqual([]);
    expect(targetRequests).toBe(0);
  });
});
