import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { TargetAuthError } from './errors.js';
import { FilePoller } from './file-poller.js';
import { silentLogger, type TargetAuthLogger } from './logger.js';
import { noopMetrics, type TargetAuthMetrics } from './metrics.js';

/** A serving certificate (chain) and its private key, PEM. */
export interface ServingPair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Something that always has a current serving pair and says when it changes. */
export interface ServingPairSource {
  current(): ServingPair;
  onChange(listener: (pair: ServingPair) => void): () => void;
}

/**
 * Checks that `pair` is usable by TLS (cert parses, key parses and matches); throws
 * `TARGET_AUTH_ERR_SERVING_PAIR_INVALID` without echoing key material.
 */
export function assertServingPair(pair: ServingPair, source = 'serving pair'): void {
  try {
    createSecureContext({ cert: pair.cert, key: pair.key });
  } catch (cause) {
    const reason = (cause as { code?: string }).code ?? 'invalid';
    throw new TargetAuthError('TARGET_AUTH_ERR_SERVING_PAIR_INVALID', `${source}: certificate and key are not a usable pair (${reason})`);
  }
}

/** A fixed serving pair. */
export function staticServingPair(pair: ServingPair): ServingPairSource {
  assertServingPair(pair);
  return { current: () => pair, onChange: () => () => undefined };
}

/** Options of {@link ServingCertReloader.open}. */
export interface ServingCertReloaderOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** Default 500 ms. */
  readonly pollIntervalMs?: number;
  readonly watchHint?: boolean;
  readonly logger?: TargetAuthLogger;
  readonly metrics?: TargetAuthMetrics;
}

/**
 * `--tls-cert-file` / `--tls-private-key-file`, hot-reloaded AS A PAIR: loads once (fails fast
 * with a coded error), then polls both files and compares content; a new pair is taken only
 * when the certificate and key match, otherwise the last good pair stays (logged once).
 */
export class ServingCertReloader implements ServingPairSource {
  #pair: ServingPair;
  readonly #listeners = new Set<(pair: ServingPair) => void>();
  readonly #poller: FilePoller;

  private constructor(options: ServingCertReloaderOptions, pair: ServingPair) {
    this.#pair = pair;
    const logger = options.logger ?? silentLogger;
    const metrics = options.metrics ?? noopMetrics;
    this.#poller = new FilePoller(
      {
        files: [options.certFile, options.keyFile],
        intervalMs: options.pollIntervalMs ?? 500,
        watchHint: options.watchHint ?? true,
        onReadError: (e) => logger.warn({ certFile: options.certFile, err: e.message }, 'cannot read serving certificate; keeping the last good pair'),
        onChange: ([cert, key]) => {
          const next = { cert: cert as Buffer, key: key as Buffer };
          try {
            assertServingPair(next, options.certFile);
          } catch (e) {
            metrics.servingCertReload('error');
            logger.warn({ certFile: options.certFile, code: (e as TargetAuthError).code }, 'new serving certificate/key do not form a usable pair; keeping the last good pair');
            return;
          }
          this.#pair = next;
          metrics.servingCertReload('success');
          logger.info({ certFile: options.certFile }, 'serving certificate reloaded');
          for (const l of this.#listeners) {
            try {
              l(next);
            } catch (err) {
              logger.error({ err: (err as Error).message }, 'serving certificate listener failed');
            }
          }
        },
      },
      [pair.cert, pair.key],
    );
  }

  /** Loads the pair (throws `TARGET_AUTH_ERR_SERVING_PAIR_READ` / `_INVALID`) and starts polling. */
  static async open(options: ServingCertReloaderOptions): Promise<ServingCertReloader> {
    let pair: ServingPair;
    try {
      const [cert, key] = await Promise.all([readFile(options.certFile), readFile(options.keyFile)]);
      pair = { cert, key };
    } catch (cause) {
      throw new TargetAuthError('TARGET_AUTH_ERR_SERVING_PAIR_READ', `cannot read serving certificate/key (${options.certFile}, ${options.keyFile})`, { cause });
    }
    assertServingPair(pair, options.certFile);
    (options.metrics ?? noopMetrics).servingCertReload('success');
    const r = new ServingCertReloader(options, pair);
    r.#poller.start();
    return r;
  }

  current(): ServingPair {
    return this.#pair;
  }

  onChange(listener: (pair: ServingPair) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Checks the files now; resolves once any change has been applied. */
  checkNow(): Promise<void> {
    return this.#poller.check();
  }

  close(): void {
    this.#poller.close();
    this.#listeners.clear();
  }
}
