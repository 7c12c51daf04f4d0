import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CleanupStack } from './cleanup-stack.js';
import { runCommandSync } from './run-command.js';

/**
 * A fresh scratch directory under the OS temp dir (`certscrape-e2e-XXXX`), removed by the
 * cleanup stack. When `keep` is set it stays; when the run failed its logs are copied to
 * `failureLogsDir` first (the only thing that survives a failed run).
 */
export async function scratchDir(cleanup: CleanupStack, options: { keep?: boolean; failureLogsDir?: string; failed?: () => boolean } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'certscrape-e2e-'));
  cleanup.defer(
    'scratch directory',
    async () => {
      if (options.failed?.() && options.failureLogsDir) {
        await rm(options.failureLogsDir, { recursive: true, force: true });
        await cp(dir, options.failureLogsDir, { recursive: true, filter: (src) => !src.includes('/data/') && !src.includes('etcd') && !src.includes('/pki') }).catch(() => undefined);
      }
      if (!options.keep) await rm(dir, { recursive: true, force: true });
    },
    () => {
      if (!options.keep) runCommandSync(['rm', '-rf', dir]);
    },
  );
  return dir;
}
