import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { E2eError } from './errors.js';

/** What to start. */
export interface ProcessSpec {
  /** Short name for messages and the log file. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  /** Extra environment (merged over this process's). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/**
 * A child process this harness started: its own process group (so `stop` reaches its
 * children too), output in a log file, stopped by pid — never by name.
 */
/** True while a process with this pid exists (a zombie, exited but not yet reaped, counts). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class ManagedProcess {
  readonly spec: ProcessSpec;
  readonly #child: ChildProcess;
  readonly pid: number;
  #exitCode: number | null | undefined;
  readonly exited: Promise<number | null>;

  private constructor(spec: ProcessSpec, child: ChildProcess) {
    this.spec = spec;
    this.#child = child;
    if (child.pid === undefined) throw new E2eError('E2E_ERR_COMMAND', `cannot start ${spec.name} (${spec.command})`);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.#exitCode = code ?? (signal ? -1 : null);
        resolve(code);
      });
    });
  }

  /** Spawns `spec` (detached into its own process group, stdin closed). */
  static start(spec: ProcessSpec): ManagedProcess {
    const fd = openSync(spec.logFile, 'a');
    try {
      const child = spawn(spec.command, [...spec.args], {
        stdio: ['ignore', fd, fd],
        detached: true,
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env },
      });
      child.on('error', () => undefined);
      return new ManagedProcess(spec, child);
    } finally {
      closeSync(fd);
    }
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.#exitCode === undefined;
  }

  /** The last `lines` lines of the log (for error messages). */
  tail(lines = 15): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Throws E2E_ERR_PROCESS_EXITED (with the log tail) when the process is gone. */
  assertRunning(): void {
    if (!this.running) {
      throw new E2eError('E2E_ERR_PROCESS_EXITED', `${this.spec.name} exited (code ${this.#exitCode}); log ${this.spec.logFile}:\n${this.tail()}`);
    }
  }

  /** SIGTERM to the process group, then SIGKILL after `graceMs` (default 3000); resolves when it is gone. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    this.#signal('SIGTERM');
    const gone = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!gone) {
      this.#signal('SIGKILL');
      await Promise.race([this.exited, sleep(2000)]);
    }
  }

  /** Synchronous SIGKILL of the process group (process-exit hook). */
  killSync(): void {
    if (this.running) this.#signal('SIGKILL');
  }

  #signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      try {
        this.#child.kill(signal);
      } catch {
        // already gone
      }
    }
  }
}
