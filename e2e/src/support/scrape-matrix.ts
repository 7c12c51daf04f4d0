/** The targets the scenario scrapes. `inNamespace` targets sit behind the cut; kube-apiserver does not. */
export type TargetName = 'node-app' | 'node-exporter' | 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-controller-manager-stock' | 'shared-exporter';

/**
 * The ways a target is scraped:
 * - `cert`: Prometheus presents the (platform) scraper identity's client certificate itself (tls_config cert_file/key_file),
 * - `proxy`: through certscrape-scraper-proxy (proxy_url), which presents it,
 * - `token`: a service-account bearer token — the control group,
 * - `user-workload`: Prometheus presents the second identity's certificate (the user-workload scraper, its own Secret).
 */
export type ScrapePath = 'cert' | 'proxy' | 'token' | 'user-workload';

/** Every path, in narration order. */
export const SCRAPE_PATHS: readonly ScrapePath[] = ['cert', 'proxy', 'token', 'user-workload'];

/** The paths of a target that does not name its own: the platform identity's three ways. */
export const DEFAULT_TARGET_PATHS: readonly ScrapePath[] = ['cert', 'proxy', 'token'];

/** The certificate paths (what the claim is about). */
export const CERT_PATHS: readonly ScrapePath[] = ['cert', 'proxy'];

/** One scrape target. */
export interface ScrapeTarget {
  readonly name: TargetName;
  /** host:port of the TLS endpoint. */
  readonly address: string;
  /** CA bundle its serving certificate chains to. */
  readonly servingCaFile: string;
  /** True for targets inside the network namespace (behind the cut). */
  readonly inNamespace: boolean;
  /** Append `?via=<path>` so the target can report which path presented which certificate. */
  readonly reportsVia?: boolean;
  /** Scrape interval (= timeout) for this target's jobs; default the global one. */
  readonly intervalSeconds?: number;
  /** The paths this target is scraped by; default {@link DEFAULT_TARGET_PATHS}. */
  readonly paths?: readonly ScrapePath[];
}

/** One Prometheus job: a target scraped one way. Job name `<target>/<path>`, labels `target`, `path`. */
export interface ScrapeJob {
  readonly job: string;
  readonly target: ScrapeTarget;
  readonly path: ScrapePath;
}

/** Every (target, path) pair of `paths` the target is scraped by, targets outer, in the given order. */
export function scrapeJobs(targets: readonly ScrapeTarget[], paths: readonly ScrapePath[] = SCRAPE_PATHS): ScrapeJob[] {
  return targets.flatMap((target) => paths.filter((path) => (target.paths ?? DEFAULT_TARGET_PATHS).includes(path)).map((path) => ({ job: `${target.name}/${path}`, target, path })));
}

/** PromQL label matcher selecting the jobs of `paths` on `targets`, e.g. `{path=~"cert|proxy",target=~"etcd|node-app"}`. */
export function selector(paths: readonly ScrapePath[], targets: readonly TargetName[]): string {
  return `{path=~"${paths.join('|')}",target=~"${targets.join('|')}"}`;
}
