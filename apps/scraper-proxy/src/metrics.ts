import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics of one scraper-proxy, in their own registry (served at /metrics on --metrics-bind-address). */
export interface ProxyMetrics {
  readonly registry: Registry;
  /** Unix seconds at which the client certificate in use expires. */
  readonly certificateNotAfter: Gauge;
  /** Accepted new pairs (not counting the one loaded at start). */
  readonly reloads: Counter;
  /** Refused pairs by reason (error code); each distinct refused content counts once. */
  readonly refusedPairs: Counter<'reason'>;
  /** 1 while the files on disk hold a refused pair and the proxy serves with the last good one. */
  readonly refusedPairPending: Gauge;
  /** Upstream results: `code` is the HTTP status the scraper got; `outcome` is `response` or the failure class. */
  readonly upstreamRequests: Counter<'code' | 'outcome'>;
  /** Time from receiving the scrape to the upstream response headers (or failure). */
  readonly upstreamDuration: Histogram<'outcome'>;
}

const PREFIX = 'certscrape_scraper_proxy_';

/** Creates the metrics in a fresh registry; `defaultMetrics` adds process/Node.js metrics (default true). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): ProxyMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    certificateNotAfter: new Gauge({
      name: `${PREFIX}client_certificate_not_after_timestamp_seconds`,
      help: 'NotAfter of the client certificate in use, as a Unix timestamp.',
      registers: [registry],
    }),
    reloads: new Counter({
      name: `${PREFIX}client_certificate_reloads_total`,
      help: 'New client certificate/key pairs taken into use after start.',
      registers: [registry],
    }),
    refusedPairs: new Counter({
      name: `${PREFIX}client_certificate_refused_total`,
      help: 'Client certificate/key pairs refused (unreadable, malformed, or key not matching), by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    refusedPairPending: new Gauge({
      name: `${PREFIX}client_certificate_refused_pending`,
      help: '1 while the mounted files hold a refused pair and the last good pair is still in use.',
      registers: [registry],
    }),
    upstreamRequests: new Counter({
      name: `${PREFIX}upstream_requests_total`,
      help: 'Scrapes forwarded to targets, by the status returned to the scraper and the outcome.',
      labelNames: ['code', 'outcome'],
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: `${PREFIX}upstream_request_duration_seconds`,
      help: 'Time until the target answered with headers (or the request failed).',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}
