import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat (USER_HZ); 100 on every Linux we run on. */
const USER_HZ = 100;

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc/PID/stat. */
export function cpuMillis(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / USER_HZ;
}

/** Summed CPU milliseconds of several processes. */
export function cpuMillisOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuMillis(pid), 0);
}

/** Resident set size of a process in MiB, from /proc/PID/status. */
export function rssMiB(pid: number): number {
  return statusMiB(pid, 'VmRSS');
}

/**
 * The anonymous part of the resident set in MiB (`RssAnon`: heap, stacks, malloc — memory of
 * this process alone); the rest of VmRSS is mostly file pages (the node binary's code and data)
 * shared with every process that maps the same file.
 */
export function rssAnonMiB(pid: number): number {
  return statusMiB(pid, 'RssAnon');
}

function statusMiB(pid: number, field: 'VmRSS' | 'RssAnon'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return kb / 1024;
}
