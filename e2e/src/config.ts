// The one place the e2e suite and the demo read the environment.
import { resolve } from 'node:path';

/** Settings from the environment (all optional). */
export interface E2eEnvironment {
  /** CERTSCRAPE_K8S_BIN_DIR: prebuilt kube-apiserver/kube-controller-manager (printed by scripts/ensure-deps.sh). */
  readonly binDir: string | undefined;
  /** CERTSCRAPE_E2E_INTERVAL: Prometheus scrape interval in seconds (default 2). */
  readonly intervalSeconds: number;
  /** CERTSCRAPE_E2E_SIGNING_DURATION: cluster signing duration in seconds (default 600). */
  readonly signingDurationSeconds: number;
  /** CERTSCRAPE_E2E_KEEP_WORKDIR=1: keep the scratch directory (logs) after cleanup, for debugging. */
  readonly keepWorkDir: boolean;
  /** Where latest.json goes: e2e/results/latest.json. */
  readonly reportPath: string;
}

/** Reads {@link E2eEnvironment} from `env` (default process.env). */
export function readE2eEnvironment(env: NodeJS.ProcessEnv = process.env): E2eEnvironment {
  const num = (name: string, fallback: number): number => {
    const v = env[name]?.trim();
    const n = v ? Number(v) : NaN;
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return {
    binDir: env.CERTSCRAPE_K8S_BIN_DIR?.trim() || undefined,
    intervalSeconds: num('CERTSCRAPE_E2E_INTERVAL', 2),
    signingDurationSeconds: num('CERTSCRAPE_E2E_SIGNING_DURATION', 600),
    keepWorkDir: env.CERTSCRAPE_E2E_KEEP_WORKDIR === '1',
    reportPath: resolve(import.meta.dirname, '..', 'results', 'latest.json'),
  };
}
