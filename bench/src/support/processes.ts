import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A process a benchmark started; `pids()` is it and its descendants (e.g. nginx workers). */
export interface BenchProcess {
  readonly name: string;
  readonly pid: number;
  pids(): number[];
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a process and waits until it is ready: a stdout/stderr line matching
 * `readyLine`, or `probe()` resolving true. Fails after `timeoutMs` with its output.
 */
export async function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  ready: { readyLine?: RegExp; probe?: () => Promise<boolean>; timeoutMs?: number },
): Promise<BenchProcess & { readyMatch: RegExpMatchArray | undefined }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  let readyMatch: RegExpMatchArray | undefined;
  const timeoutMs = ready.timeoutMs ?? 20_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready after ${timeoutMs} ms:\n${output.slice(-2000)}`)), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const onData = (d: Buffer) => {
      output += d.toString();
      if (ready.readyLine && !readyMatch) {
        const m = ready.readyLine.exec(output);
        if (m) {
          readyMatch = m;
          done();
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output.slice(-2000)}`));
    });
    if (ready.probe) {
      const poll = async () => {
        while (child.exitCode === null) {
          if (await ready.probe!().catch(() => false)) return done();
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      void poll();
    }
  });
  child.removeAllListeners('exit');
  const pid = child.pid!;
  return {
    name,
    pid,
    readyMatch,
    pids: () => [pid, ...descendants(pid)],
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
      running.delete(child);
    },
  };
}

/** All descendant pids of `pid`, from /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // the process exited while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}
