import { spawn } from 'node:child_process';
import { procStat, type ProcessRecord } from './process.js';

// Self-contained (runs with `node -e`): once the watched pid is gone, SIGKILL every process group recorded in
// the state file (pid + start time checked, as in process.ts), mark the state down, and exit.
const WATCHDOG_SOURCE = `
const fs = require('fs');
const [, watched, stateFile] = process.argv;
const stat = (p) => { try { const t = fs.readFileSync('/proc/' + p + '/stat', 'utf8'); const r = t.slice(t.lastIndexOf(')') + 2).split(' '); return { state: r[0], start: r[19] }; } catch { return null; } };
const running = (p) => { const s = stat(p); return !!s && s.state !== 'Z' && s.state !== 'X'; };
setInterval(() => {
  if (running(watched)) return;
  try {
    const s = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    for (const r of Object.values(s.processes || {})) {
      const x = stat(r.pid);
      if (x && x.state !== 'Z' && (!r.startTime || x.start === r.startTime)) { try { process.kill(-r.pid, 'SIGKILL'); } catch {} }
    }
    s.status = 'down'; s.processes = {};
    fs.writeFileSync(stateFile, JSON.stringify(s, null, 2) + '\\n');
  } catch {}
  process.exit(0);
}, 1000);
`;

/**
 * Starts a detached watchdog that tears the cluster of `stateFile` down (SIGKILL by recorded pid) if process
 * `watchedPid` dies without doing so itself: a crashed or killed test runner then leaves no stray control plane.
 * Stop it with stopProcess() on normal teardown.
 */
export function startWatchdog(stateFile: string, watchedPid: number = process.pid): ProcessRecord {
  const child = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, String(watchedPid), stateFile], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
  const pid = child.pid ?? 0;
  return { pid, startTime: procStat(pid)?.startTime, log: '' };
}
