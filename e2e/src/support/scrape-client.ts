import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** How one scrape authenticates. */
export type ScrapeCredentials = { readonly certPem: string; readonly keyPem: string } | { readonly token: string };

/** Result of one scrape: HTTP status (0 when no response) and a short error text. */
export interface ScrapeResult {
  readonly status: number;
  readonly error?: string;
}

function collect(res: IncomingMessage, resolve: (r: ScrapeResult) => void): void {
  res.resume();
  res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
  res.on('error', (e) => resolve({ status: 0, error: e.message }));
}

/**
 * GET https://<address><path> (default `/metrics`) directly, presenting a client certificate or a bearer token,
 * verifying the target's serving certificate against `caPem`. Never rejects.
 */
export function scrapeDirect(address: string, credentials: ScrapeCredentials, caPem: string, timeoutMs = 5000, path = '/metrics'): Promise<ScrapeResult> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      `https://${address}${path}`,
      {
        ca: caPem,
        agent: false,
        timeout: timeoutMs,
        ...('token' in credentials ? { headers: { authorization: `Bearer ${credentials.token}` } } : { cert: credentials.certPem, key: credentials.keyPem }),
      },
      (res) => collect(res, resolve),
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: e.message }));
    req.end();
  });
}

/** GET http://<address>/metrics through an HTTP forward proxy (absolute-form request line), as Prometheus's proxy_url does. */
export function scrapeViaProxy(proxyUrl: string, address: string, timeoutMs = 5000): Promise<ScrapeResult> {
  const proxy = new URL(proxyUrl);
  return new Promise((resolve) => {
    const req = httpRequest(
      { host: proxy.hostname, port: proxy.port, method: 'GET', path: `http://${address}/metrics`, headers: { host: address }, agent: false, timeout: timeoutMs },
      (res) => collect(res, resolve),
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: e.message }));
    req.end();
  });
}
