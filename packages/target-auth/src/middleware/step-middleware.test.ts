// stepMiddleware and runSteps when a step answers asynchronously: a rejected step or a handler that throws
// after the awaited step must be answered (fail closed), never left to an unhandled rejection (which ends
// the process under Node's default --unhandled-rejections=throw). A real node:http server on port 0.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSteps, type Step } from './steps.js';
import type { RequestHandler } from './types.js';
import { stepMiddleware } from './with-authentication.js';

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

async function serve(handler: RequestHandler): Promise<{ server: Server; get: () => Promise<{ status: number; body: string }> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const get = () =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  return { server, get };
}

const close = (server: Server) => new Promise((r) => server.close(r));
// Lets any pending rejection be reported before the assertion (unhandledRejection fires after microtasks).
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('an asynchronous step never leaves an unhandled rejection', () => {
  const rejectingStep = (_req: IncomingMessage) => Promise.reject(new Error('authenticator blew up'));
  const passingStep = async (_req: IncomingMessage) => undefined;
  const throwingHandler: RequestHandler = () => {
    throw new Error('handler bug');
  };
  it.each<[string, (req: IncomingMessage) => Promise<undefined>, RequestHandler, string]>([
    ['stepMiddleware: a step that rejects is answered 500 and logged', rejectingStep, (_q, res) => res.end('reached'), 'authenticator blew up'],
    ['stepMiddleware: a handler that throws after the awaited step is answered 500 and logged', passingStep, throwingHandler, 'handler bug'],
  ])('%s', async (_name, step, next, cause) => {
    const errors: object[] = [];
    const { server, get } = await serve(stepMiddleware(step, next, { info: () => undefined, warn: () => undefined, error: (o) => errors.push(o) }));
    try {
      expect(await get()).toEqual({ status: 500, body: 'Internal Server Error\n' });
      await settle();
      expect(unhandled).toEqual([]);
      expect(errors).toEqual([{ err: cause, path: '/metrics' }]);
    } finally {
      await close(server);
    }
  });

  it('runSteps: a step that rejects ends the chain with 500; later steps do not run', async () => {
    const ran: string[] = [];
    const steps: Step[] = [
      () => Promise.reject(new Error('lookup failed')),
      () => {
        ran.push('second');
        return undefined;
      },
    ];
    const outcome = await new Promise((resolve) => runSteps(steps, {} as IncomingMessage, resolve));
    expect(outcome).toEqual({ status: 500, body: 'Internal Server Error\n' });
    await settle();
    expect(ran).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});
