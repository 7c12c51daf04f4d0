import { request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The answer a scraper got from the proxy. */
export interface ScrapeResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * Sends one scrape through the proxy as Prometheus does with `proxy_url` (absolute-form `GET http://target/path`),
 * or, with `form: 'path'`, as `/proxy/<target>/<path>`. A new connection to the proxy per call.
 */
export function scrapeViaProxy(proxy: AddressInfo, target: string, options: { path?: string; headers?: Record<string, string>; form?: 'absolute' | 'path' } = {}): Promise<ScrapeResult> {
  const path = options.path ?? '/metrics';
  const requestTarget = options.form === 'path' ? `/proxy/${target}${path}` : `http://${target}${path}`;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: proxy.address, port: proxy.port, method: 'GET', path: requestTarget, headers: { host: options.form === 'path' ? `${proxy.address}:${proxy.port}` : target, ...options.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
