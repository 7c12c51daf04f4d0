import { parseCertificateBundle, type ParsedCertificate } from '@certscrape/pkcs';
import { FileSource } from '@certscrape/process-kit';
import { TargetAuthError } from './errors.js';
import { silentLogger, type TargetAuthLogger } from './logger.js';
import { noopMetrics, type TargetAuthMetrics } from './metrics.js';

/**
 * One loaded client CA bundle. `generation` increases by one on every successful reload, so
 * anything derived from a bundle (verified identities cached on sockets) can tell it is stale.
 */
export interface CaBundle {
  readonly generation: number;
  readonly certificates: readonly ParsedCertificate[];
  /** The bundle as PEM (for the TLS handshake's `ca` list). */
  readonly pem: string;
  readonly loadedAt: Date;
}

/** Something that always has a current CA bundle and says when it changes. */
export interface CaBundleSource {
  current(): CaBundle;
  /** Calls `listener` after every change; returns an unsubscribe function. */
  onChange(listener: (bundle: CaBundle) => void): () => void;
}

/**
 * Parses a PEM CA bundle (one or more CERTIFICATE blocks; text between blocks allowed).
 * Throws `TARGET_AUTH_ERR_CA_BUNDLE_EMPTY` for an empty/blank file and
 * `TARGET_AUTH_ERR_CA_BUNDLE_MALFORMED` for anything that does not parse.
 */
export function parseCaBundle(content: string | Uint8Array, source = 'CA bundle'): ParsedCertificate[] {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  if (text.trim().length === 0) throw new TargetAuthError('TARGET_AUTH_ERR_CA_BUNDLE_EMPTY', `${source} is empty`);
  try {
    return parseCertificateBundle(text);
  } catch (cause) {
    throw new TargetAuthError('TARGET_AUTH_ERR_CA_BUNDLE_MALFORMED', `${source} is not a PEM certificate bundle`, { cause });
  }
}

function bundleFrom(certificates: ParsedCertificate[], generation: number, now: Date): CaBundle {
  return Object.freeze({ generation, certificates: Object.freeze(certificates), pem: certificates.map((c) => c.pem).join(''), loadedAt: now });
}

/** A fixed CA bundle (for embedding without a file). Throws like {@link parseCaBundle}. */
export function staticCaBundle(pem: string): CaBundleSource {
  const bundle = bundleFrom(parseCaBundle(pem), 1, new Date());
  return { current: () => bundle, onChange: () => () => undefined };
}

/** Options of {@link CaBundleWatcher.open}. */
export interface CaBundleWatcherOptions {
  /** The bundle file, e.g. `/etc/metrics-client-ca/client-ca.crt` (a ConfigMap volume) or `--client-ca-file`. */
  readonly file: string;
  /** Poll interval. Default 500 ms (so a change is seen within about a second). */
  readonly pollIntervalMs?: number;
  /** Use `fs.watch` as an early hint. Default true. */
  readonly watchHint?: boolean;
  readonly logger?: TargetAuthLogger;
  readonly metrics?: TargetAuthMetrics;
  /** Clock for `loadedAt`. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/**
 * A hot-reloaded CA bundle file, on process-kit's FileSource (the one hot-reload mechanism).
 * `open()` loads it once and fails fast (coded error) if it is missing, empty or malformed;
 * afterwards it polls and compares content (fs.watch only as a hint), so Kubernetes `..data`
 * symlink swaps are seen. A new file that is empty, malformed or unreadable keeps the last good
 * bundle and logs a warning (once per distinct content).
 */
export class CaBundleWatcher implements CaBundleSource {
  #bundle: CaBundle;
  readonly #listeners = new Set<(bundle: CaBundle) => void>();
  readonly #source: FileSource<ParsedCertificate[]>;
  readonly #options: CaBundleWatcherOptions;

  private constructor(options: CaBundleWatcherOptions, source: FileSource<ParsedCertificate[]>, bundle: CaBundle) {
    this.#options = options;
    this.#source = source;
    this.#bundle = bundle;
    const logger = options.logger ?? silentLogger;
    const metrics = options.metrics ?? noopMetrics;
    source.on('change', (certs) => this.#reload(certs));
    source.on('refused', ({ reason, error }) => {
      if (reason === 'unreadable') {
        logger.warn({ file: options.file, err: (error as Error).message }, 'cannot read client CA bundle; keeping the last good one');
        return;
      }
      metrics.caBundleReload('error');
      logger.warn({ file: options.file, code: (error as TargetAuthError).code }, 'new client CA bundle is unusable; keeping the last good one');
    });
  }

  /** Loads `options.file` (throws a coded error when unusable) and starts watching it. */
  static async open(options: CaBundleWatcherOptions): Promise<CaBundleWatcher> {
    const metrics = options.metrics ?? noopMetrics;
    let source: FileSource<ParsedCertificate[]>;
    try {
      source = await FileSource.open({
        files: [options.file],
        intervalMs: options.pollIntervalMs ?? 500,
        watchHint: options.watchHint ?? true,
        unreadable: (file, cause) => new TargetAuthError('TARGET_AUTH_ERR_CA_BUNDLE_READ', `cannot read client CA bundle ${file}`, { cause }),
        parse: ([content]) => parseCaBundle(content as Buffer, options.file),
      });
    } catch (e) {
      metrics.caBundleReload('error');
      throw e;
    }
    const now = (options.now ?? (() => new Date()))();
    const bundle = bundleFrom(source.current, 1, now);
    metrics.caBundleReload('success', bundle.certificates.length, now);
    const watcher = new CaBundleWatcher(options, source, bundle);
    source.start();
    return watcher;
  }

  current(): CaBundle {
    return this.#bundle;
  }

  onChange(listener: (bundle: CaBundle) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Checks the file now (tests and SIGHUP); resolves once any change has been applied. */
  async checkNow(): Promise<void> {
    await this.#source.check();
  }

  /** Stops watching; `current()` keeps returning the last bundle. */
  close(): void {
    void this.#source.stop();
    this.#listeners.clear();
  }

  #reload(certs: ParsedCertificate[]): void {
    const logger = this.#options.logger ?? silentLogger;
    const metrics = this.#options.metrics ?? noopMetrics;
    const now = (this.#options.now ?? (() => new Date()))();
    this.#bundle = bundleFrom(certs, this.#bundle.generation + 1, now);
    metrics.caBundleReload('success', certs.length, now);
    logger.info({ file: this.#options.file, certificates: certs.length, generation: this.#bundle.generation }, 'client CA bundle reloaded');
    for (const l of this.#listeners) {
      try {
        l(this.#bundle);
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'CA bundle listener failed');
      }
    }
  }
}
