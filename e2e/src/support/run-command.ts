import { execFile, spawnSync } from 'node:child_process';
import { E2eError } from './errors.js';

/** A command line as argv (no shell). */
export type Argv = readonly [string, ...string[]];

/** Runs `argv` (no shell), resolves with stdout; non-zero exit -> E2E_ERR_COMMAND with stderr. */
export function runCommand(argv: Argv, options: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0], argv.slice(1), { timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new E2eError('E2E_ERR_COMMAND', `${argv.join(' ')} failed: ${String(stderr).trim() || error.message}`, { cause: error }));
      } else {
        resolve(String(stdout));
      }
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Synchronous best-effort variant for process-exit hooks; returns the exit status. */
export function runCommandSync(argv: Argv): number | null {
  return spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', timeout: 10_000 }).status;
}

/** Synchronous best-effort stdout of `argv` ('' on any failure), for process-exit hooks. */
export function runCommandSyncOutput(argv: Argv): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout : '';
}
