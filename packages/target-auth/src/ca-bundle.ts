import { parseCertificateBundle, type ParsedCertificate } from '@certscrape/pkcs';
import { TargetAuthError } from './errors.js';
import { silentLogger, type TargetAuthLogger } from './logger.js';
import { noopMetrics, type TargetAuthMetrics } from './metrics.js';
import { ReloadingFile } from './reloading-file.js';

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
  readonly #file: ReloadingFile<CaBundle>;

  private constructor(file: ReloadingFile<CaBundle>, bundle: CaBundle) {
    this.#file = file;
    this.#bundle = bundle;
  }

  /** Loads `options.file` (throws a coded error when unusable) and starts watching it. */
  static async open(options: CaBundleWatcherOptions): Promise<CaBundleWatcher> {
    const logger = options.logger ?? silentLogger;
    const metrics = options.metrics ?? noopMetrics;
    const now = () => (options.now ?? (() => new Date()))();
    // Set right after open; `accept` only runs on later changes.
    const self: { watcher?: CaBundleWatcher } = {};
    let file: ReloadingFile<CaBundle>;
    try {
      file = await ReloadingFile.open<CaBundle>(
        {
          files: [options.file],
          parse: ([content]) => bundleFrom(parseCaBundle(content as Buffer, options.file), 0, new Date(0)),
          unreadable: (f, cause) => new TargetAuthError('TARGET_AUTH_ERR_CA_BUNDLE_READ', `cannot read client CA bundle ${f}`, { cause }),
          ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
          ...(options.watchHint === undefined ? {} : { watchHint: options.watchHint }),
          logger,
          logFields: { file: options.file },
          messages: { unreadable: 'cannot read client CA bundle; keeping the last good one', refused: 'new client CA bundle is unusable; keeping the last good one', listenerFailed: 'CA bundle listener failed' },
          onRefused: () => metrics.caBundleReload('error'),
        },
        // A new bundle gets the next generation and its load time, then listeners see it.
        (parsed) => {
          const w = self.watcher as CaBundleWatcher;
          const at = now();
          w.#bundle = bundleFrom([...parsed.certificates], w.#bundle.generation + 1, at);
          metrics.caBundleReload('success', parsed.certificates.length, at);
          logger.info({ file: options.file, certificates: parsed.certificates.length, generation: w.#bundle.generation }, 'client CA bundle reloaded');
          return w.#bundle;
        },
      );
    } catch (e) {
      metrics.caBundleReload('error');
      throw e;
    }
    const at = now();
    const first = bundleFrom([...file.value.certificates], 1, at);
    metrics.caBundleReload('success', first.certificates.length, at);
    self.watcher = new CaBundleWatcher(file, first);
    return self.watcher;
  }

  current(): CaBundle {
    return this.#bundle;
  }

  onChange(listener: (bundle: CaBundle) => void): () => void {
    return this.#file.onChange(listener);
  }

  /** Checks the file now (tests and SIGHUP); resolves once any change has been applied. */
  checkNow(): Promise<void> {
    return this.#file.checkNow();
  }

  /** Stops watching; `current()` keeps returning the last bundle. */
  close(): void {
    this.#file.close();
  }
}
