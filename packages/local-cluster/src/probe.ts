import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalClusterError } from './errors.js';
import { isRunning, logTail, type ProcessRecord } from './process.js';

/** TLS material for a probe; all PEM. */
export interface ProbeTls {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

/** One GET; resolves with the status code and body, or rejects on a connection error or after `timeoutMs` (default 3 s). */
export function httpGet(url: string, tls?: ProbeTls, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const opts = { method: 'GET', timeout: timeoutMs, agent: false as const, ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}) };
    const req = (u.protocol === 'https:' ? request : httpRequest)(u, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls `url` until it answers 200, the process `rec` (when given) dies (LOCAL_CLUSTER_ERR_START, with the log tail),
 * or `timeoutMs` passes (LOCAL_CLUSTER_ERR_TIMEOUT, with the last answer and the log tail).
 */
export async function waitReady(name: string, url: string, rec: ProcessRecord | undefined, options: { tls?: ProbeTls; timeoutMs: number }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (rec && !isRunning(rec)) {
      throw new LocalClusterError('LOCAL_CLUSTER_ERR_START', `${name} exited before it was ready; log ${rec.log}:\n${logTail(rec.log)}`);
    }
    try {
      const res = await httpGet(url, options.tls);
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${res.body.slice(0, 500)}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(150);
  }
  throw new LocalClusterError(
    'LOCAL_CLUSTER_ERR_TIMEOUT',
    `${name} not ready at ${url} after ${options.timeoutMs} ms (last: ${last})${rec ? `; log ${rec.log}:\n${logTail(rec.log)}` : ''}`,
  );
}
