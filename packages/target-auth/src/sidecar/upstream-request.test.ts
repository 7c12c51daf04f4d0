import type { IncomingMessage } from 'node:http';
import { HOP_BY_HOP_HEADERS } from '@certscrape/process-kit';
import { describe, expect, it } from 'vitest';
import { upstreamRequestHeaders } from './upstream-request.js';

const request = (headers: Record<string, string>): IncomingMessage => ({ headers, socket: { remoteAddress: '10.0.0.7' } }) as unknown as IncomingMessage;

describe('upstreamRequestHeaders', () => {
  const client = {
    host: 'target:8443',
    accept: 'text/plain',
    connection: 'keep-alive, x-private',
    'x-private': 'dropped: named by Connection',
    'proxy-authorization': 'Basic dropped',
    te: 'trailers',
    'content-length': '999',
    'transfer-encoding': 'chunked',
    'x-forwarded-for': '6.6.6.6',
    'x-remote-user': 'spoofed',
  };

  it('if the upstream is HTTP/1.1, keeps end-to-end fields, sets the framing from the decision, then X-Forwarded-*', () => {
    expect(upstreamRequestHeaders(request(client), { ok: true, body: 'chunked' } as never, { notForwarded: HOP_BY_HOP_HEADERS, http1: true })).toEqual({
      host: 'target:8443',
      accept: 'text/plain',
      'transfer-encoding': 'chunked',
      'x-forwarded-for': '10.0.0.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'target:8443',
    });
  });

  it('if the upstream is h2c, a chunked body carries no Transfer-Encoding, a declared length is forwarded, extra headers are added', () => {
    const notForwarded = new Set([...HOP_BY_HOP_HEADERS, 'host']);
    expect(upstreamRequestHeaders(request(client), { ok: true, body: 'chunked' } as never, { notForwarded, http1: false })).not.toHaveProperty('transfer-encoding');
    const h = upstreamRequestHeaders(request(client), { ok: true, body: 'length', length: 12 } as never, { notForwarded, http1: false, extraHeaders: { 'x-remote-user': 'alice' } });
    expect(h).toEqual({ accept: 'text/plain', 'content-length': '12', 'x-remote-user': 'alice', 'x-forwarded-for': '10.0.0.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'target:8443' });
  });
});
