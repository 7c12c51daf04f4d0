import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { forwardRequestBody, type ClientBody } from './forward-request-body.js';
import type { ForwardableFraming } from './with-request-framing.js';

/** An upstream request stand-in that records what it was given and how it finished. */
function upstream() {
  const chunks: Buffer[] = [];
  const w = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) });
  const finished = new Promise<string>((resolve) => {
    w.on('finish', () => resolve(`ended ${Buffer.concat(chunks).toString()}`));
    w.on('close', () => setImmediate(() => resolve('destroyed')));
  });
  return { w, finished };
}

const LENGTH_5: ForwardableFraming = { ok: true, body: 'length', length: 5 };
const CHUNKED: ForwardableFraming = { ok: true, body: 'chunked' };

describe('forwardRequestBody', () => {
  it.each([
    { when: 'a Content-Length body arrives complete, the upstream request is ended with it', framing: LENGTH_5, sent: ['ab', 'cde'], abort: false, outcome: 'ended abcde' },
    { when: 'a Content-Length body ends short, the upstream request is destroyed, not ended', framing: LENGTH_5, sent: ['abc'], abort: false, outcome: 'destroyed' },
    { when: 'a Content-Length body runs long, the upstream request is destroyed', framing: LENGTH_5, sent: ['abc', 'def'], abort: false, outcome: 'destroyed' },
    { when: 'a chunked body arrives complete, the upstream request is ended with it', framing: CHUNKED, sent: ['a=1'], abort: false, outcome: 'ended a=1' },
    { when: 'the client aborted (then the stream ended, as node:http2 does), the upstream request is destroyed', framing: CHUNKED, sent: ['a='], abort: true, outcome: 'destroyed' },
  ])('if $when', async ({ framing, sent, abort, outcome }) => {
    const req = new PassThrough() as PassThrough & { aborted?: boolean };
    const up = upstream();
    forwardRequestBody(req as ClientBody, up.w, framing);
    for (const s of sent) req.write(s);
    if (abort) {
      req.aborted = true;
      req.emit('aborted');
    }
    req.end();
    expect(await up.finished).toBe(outcome);
  });

  it('if the request has no body, the upstream request is ended at once, without waiting for the client stream to end', async () => {
    const req = new PassThrough() as PassThrough & { aborted?: boolean };
    const up = upstream();
    forwardRequestBody(req as ClientBody, up.w, { ok: true, body: 'none' });
    expect(await up.finished).toBe('ended ');
    expect(req.readableEnded).toBe(false);
  });
});
