import { createSecureContext } from 'node:tls';
import { TargetAuthError } from './errors.js';
import { silentLogger, type TargetAuthLogger } from './logger.js';
import { noopMetrics, type TargetAuthMetrics } from './metrics.js';
import { ReloadingFile } from './reloading-file.js';

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
 * `--tls-cert-file` / `--tls-private-key-file`, hot-reloaded AS A PAIR on process-kit's
 * FileSource: loads once (fails fast with a coded error), then polls both files and compares
 * content; a new pair is taken only when the certificate and key match, otherwise the last good
 * pair stays (logged once); a pair torn by a write in progress is re-read, not refused.
 */
export class ServingCertReloader implements ServingPairSource {
  readonly #file: ReloadingFile<ServingPair>;

  private constructor(file: ReloadingFile<ServingPair>) {
    this.#file = file;
  }

  /** Loads the pair (throws `TARGET_AUTH_ERR_SERVING_PAIR_READ` / `_INVALID`) and starts polling. */
  static async open(options: ServingCertReloaderOptions): Promise<ServingCertReloader> {
    const logger = options.logger ?? silentLogger;
    const metrics = options.metrics ?? noopMetrics;
    const file = await ReloadingFile.open<ServingPair>(
      {
        files: [options.certFile, options.keyFile],
        parse: ([cert, key]) => {
          const pair = { cert: cert as Buffer, key: key as Buffer };
          assertServingPair(pair, options.certFile);
          return pair;
        },
        unreadable: (_f, cause) => new TargetAuthError('TARGET_AUTH_ERR_SERVING_PAIR_READ', `cannot read serving certificate/key (${options.certFile}, ${options.keyFile})`, { cause }),
        ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
        ...(options.watchHint === undefined ? {} : { watchHint: options.watchHint }),
        logger,
        logFields: { certFile: options.certFile },
        messages: { unreadable: 'cannot read serving certificate; keeping the last good pair', refused: 'new serving certificate/key do not form a usable pair; keeping the last good pair', listenerFailed: 'serving certificate listener failed' },
        onRefused: () => metrics.servingCertReload('error'),
      },
      (pair) => {
        metrics.servingCertReload('success');
        logger.info({ certFile: options.certFile }, 'serving certificate reloaded');
        return pair;
      },
    );
    metrics.servingCertReload('success');
    return new ServingCertReloader(file);
  }

  current(): ServingPair {
    return this.#file.value;
  }

  onChange(listener: (pair: ServingPair) => void): () => void {
    return this.#file.onChange(listener);
  }

  /** Checks the files now; resolves once any change has been applied. */
  checkNow(): Promise<void> {
    return this.#file.checkNow();
  }

  close(): void {
    this.#file.close();
  }
}
