import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalClusterError } from './errors.js';
import type { CommandSpec } from './flags.js';

/** A process we started: its pid (also its process group id: started detached) and its kernel start time, so a reused pid is never mistaken for ours. */
export interface ProcessRecord {
  readonly pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks since boot); undefined if it could not be read. */
  readonly startTime: string | undefined;
  readonly log: string;
}

/** Reads state and start time of a pid from /proc; undefined when there is no such process. */
export function procStat(pid: number): { state: string; startTime: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '?', startTime: rest[19] ?? '' };
}

/** True when the recorded process still runs: same pid, same start time, not a zombie. */
export function isRunning(rec: ProcessRecord | undefined): boolean {
  if (!rec) return false;
  const st = procStat(rec.pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return rec.startTime === undefined || rec.startTime === st.startTime;
}

/**
 * Starts `spec` detached (own session and process group) with stdout+stderr appended to `log`,
 * and unreferenced, so the caller may exit while it keeps running.
 */
export function startDetached(spec: CommandSpec, log: string): ProcessRecord {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(spec.command, [...spec.args], { detached: true, stdio: ['ignore', fd, fd] });
    // A spawn failure (ENOENT) arrives as an event; the readiness wait then reports the dead pid.
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) {
      throw new LocalClusterError('LOCAL_CLUSTER_ERR_START', `could not start ${spec.command}`);
    }
    return { pid: child.pid, startTime: procStat(child.pid)?.startTime, log };
  } finally {
    closeSync(fd);
  }
}

/** Sends `signal` to the process group of `rec` (and to the pid itself, should it have left its group). */
function signalGroup(rec: ProcessRecord, signal: NodeJS.Signals): void {
  for (const target of [-rec.pid, rec.pid]) {
    try {
      process.kill(target, signal);
    } catch {
      // ESRCH: already gone.
    }
  }
}

/**
 * Stops a recorded process: SIGTERM to its group, then SIGKILL after `graceMs` (default 10 s);
 * resolves once it is gone, fails with LOCAL_CLUSTER_ERR_STOP if even SIGKILL does not help.
 * A process that is not running (or whose pid now belongs to someone else) is left alone.
 */
export async function stopProcess(rec: ProcessRecord | undefined, graceMs = 10_000): Promise<void> {
  if (!rec || !isRunning(rec)) return;
  signalGroup(rec, 'SIGTERM');
  if (await waitGone(rec, graceMs)) return;
  signalGroup(rec, 'SIGKILL');
  if (await waitGone(rec, 5_000)) return;
  throw new LocalClusterError('LOCAL_CLUSTER_ERR_STOP', `process ${rec.pid} survived SIGKILL`);
}

async function waitGone(rec: ProcessRecord, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isRunning(rec)) return true;
    await sleep(50);
  }
  return !isRunning(rec);
}

/** The last `lines` lines of a log file ('' if unreadable): for error messages. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
