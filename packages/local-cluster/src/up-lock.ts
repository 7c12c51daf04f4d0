import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { LocalClusterError } from './errors.js';
import { isRunning } from './process.js';

/**
 * Takes the `up` lock of a state dir (a file created exclusively, holding our pid) so two `up`s never race
 * into twins. A lock left by a dead process is taken over. Returns the release function.
 */
export function acquireUpLock(lockFile: string, stateDir: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(lockFile);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(safeRead(lockFile).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning({ pid: holder, startTime: undefined, log: '' })) {
        throw new LocalClusterError('LOCAL_CLUSTER_ERR_STATE_DIR_LIVE', `another \`up\` (pid ${holder}) is starting a cluster in ${stateDir}`);
      }
      try {
        unlinkSync(lockFile);
      } catch {
        // raced with another taker; retry
      }
    }
  }
  throw new LocalClusterError('LOCAL_CLUSTER_ERR_STATE_DIR_LIVE', `cannot take the up lock ${lockFile}`);
}

function safeRead(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}
