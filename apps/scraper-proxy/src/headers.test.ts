import { describe, expect, it } from 'vitest';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';

describe('upstreamRequestHeaders', () => {
  const scraper = {
    host: 'proxy.local:9092',
    accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5',
    'accept-encoding': 'gzip',
    'user-agent': 'Prometheus/2.42.0',
    'x-prometheus-scrape-timeout-seconds': '10',
    authorization: 'Bearer service-account-token',
    'proxy-authorization': 'Basic cHJveHk6cHc=',
    connection: 'keep-alive, x-private-hop',
    'keep-alive': 'timeout=5',
    'x-private-hop': 'secret',
    te: 'trailers',
    upgrade: 'h2c',
    'transfer-encoding': 'chunked',
  };

  it('drops Authorization when no authorization is decided, whatever the scraper sent', () => {
    const out = upstreamRequestHeaders(scraper, 'target.example:8443', undefined);
    expect(out).not.toHaveProperty('authorization');
  });

  it('sets exactly the decided Authorization', () => {
    const out = upstreamRequestHeaders(scraper, 'target.example:8443', 'Bearer configured');
    expect(out['authorization']).toBe('Bearer configured');
  });

  it('drops hop-by-hop headers and those named in Connection, and never forwards proxy credentials', () => {
    const out = upstreamRequestHeaders(scraper, 'target.example:8443', undefined);
    for (const h of ['connection', 'keep-alive', 'proxy-authorization', 'te', 'upgrade', 'transfer-encoding', 'x-private-hop']) expect(out).not.toHaveProperty(h);
  });

  it('sets Host to the target and keeps end-to-end headers', () => {
    const out = upstreamRequestHeaders(scraper, 'target.example:8443', undefined);
    expect(out).toMatchObject({
      host: 'target.example:8443',
      accept: scraper.accept,
      'accept-encoding': 'gzip',
      'user-agent': 'Prometheus/2.42.0',
      'x-prometheus-scrape-timeout-seconds': '10',
    });
  });
});

describe('downstreamResponseHeaders', () => {
  it('drops hop-by-hop response headers and keeps the rest', () => {
    const out = downstreamResponseHeaders({
      'content-type': 'text/plain; version=0.0.4',
      'content-encoding': 'gzip',
      'content-length': '120',
      connection: 'keep-alive, x-hop',
      'keep-alive': 'timeout=5',
      'x-hop': '1',
      'transfer-encoding': 'chunked',
      'proxy-authenticate': 'Basic',
      'set-cookie': ['a=1', 'b=2'],
      missing: undefined,
    });
    expect(out).toEqual({ 'content-type': 'text/plain; version=0.0.4', 'content-encoding': 'gzip', 'content-length': '120', 'set-cookie': ['a=1', 'b=2'] });
  });
});
