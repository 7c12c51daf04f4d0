import { access } from 'node:fs/promises';
import { CaBundleWatcher } from '@certscrape/target-auth';
import type { CaBundle, CaBundleSource, TargetAuthLogger, TargetAuthMetrics } from '@certscrape/target-auth';

/** Options of {@link openCaBundleWhenPresent}. */
export interface CaBundleWhenPresentOptions {
  /** The bundle file (a ConfigMap volume that may not exist yet). */
  readonly file: string;
  /** How often to look for the file, and then to compare it. */
  readonly pollIntervalMs: number;
  readonly logger?: TargetAuthLogger;
  readonly metrics?: TargetAuthMetrics;
}

/** A {@link CaBundleSource} that may still be waiting for its file; `close()` stops both phases. */
export interface DeferredCaBundle extends CaBundleSource {
  /** True once the file has been loaded (then it is followed by target-auth's CaBundleWatcher). */
  loaded(): boolean;
  close(): void;
}

// Trusts nothing: with no CA, every client certificate fails verification (401). Generation -1:
// ClientCertAuthenticator treats a socket's generation 0 as "verified against this bundle", and
// CaBundleWatcher's first bundle is generation 1, so the swap still invalidates every socket.
const EMPTY: CaBundle = Object.freeze({ generation: -1, certificates: Object.freeze([]), pem: '', loadedAt: new Date(0) });

/**
 * The client CA bundle of the controllers' own /metrics. The controllers mount the ConfigMap that
 * monitoring-operator writes (`metrics-client-ca`, optional), so on a fresh install the file can
 * appear only after start. Until it does, the bundle is empty (every client refused); once the
 * file exists it is opened with target-auth's {@link CaBundleWatcher} (poll and compare, last good
 * bundle kept) and followed from then on. A missing file counts as waiting, not as a failed reload;
 * a file that exists but does not parse counts as one (`certscrape_target_auth_ca_bundle_reloads_total{result="error"}`).
 */
export function openCaBundleWhenPresent(options: CaBundleWhenPresentOptions): DeferredCaBundle {
  const listeners = new Set<(bundle: CaBundle) => void>();
  let watcher: CaBundleWatcher | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let lastFailure: string | undefined;

  const attempt = async (): Promise<void> => {
    timer = undefined;
    if (closed) return;
    try {
      await access(options.file);
      const opened = await CaBundleWatcher.open({ file: options.file, pollIntervalMs: options.pollIntervalMs, ...(options.logger ? { logger: options.logger } : {}), ...(options.metrics ? { metrics: options.metrics } : {}) });
      if (closed) return opened.close();
      watcher = opened;
      opened.onChange((b) => listeners.forEach((l) => l(b)));
      options.logger?.info({ file: options.file, certificates: opened.current().certificates.length }, 'metrics client CA bundle loaded');
      const b = opened.current();
      listeners.forEach((l) => l(b));
      return;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      const reason = typeof code === 'string' ? code : String(e);
      if (reason !== lastFailure) options.logger?.warn({ file: options.file, reason }, 'metrics client CA bundle not usable yet; refusing every metrics client until it is');
      lastFailure = reason;
    }
    if (!closed) {
      timer = setTimeout(() => void attempt(), options.pollIntervalMs);
      timer.unref();
    }
  };
  void attempt();

  return {
    current: () => watcher?.current() ?? EMPTY,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    loaded: () => watcher !== undefined,
    close: () => {
      closed = true;
      if (timer) clearTimeout(timer);
      watcher?.close();
      listeners.clear();
    },
  };
}
