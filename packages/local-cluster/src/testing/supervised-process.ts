import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { waitFor } from './wait-for.js';

/** What to start. */
export interface SupervisedProcessSpec {
  /** Short name for messages. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Extra environment, merged over this process's (or the whole environment with {@link cleanEnv}). */
  readonly env?: Readonly<Record<string, string>>;
  /** Start with `env` alone instead of this process's environment plus `env`. Default false. */
  readonly cleanEnv?: boolean;
  readonly cwd?: string;
  /** Also append stdout and stderr to this file (for CI artefacts). Default: memory only. */
  readonly logFile?: string;
  /** Start in its own process group, so {@link SupervisedProcess.stop} reaches its children. Default false. */
  readonly processGroup?: boolean;
  /** Grace between SIGTERM and SIGKILL in {@link SupervisedProcess.stop}. Default 5 000 ms. */
  readonly stopGraceMs?: number;
}

/** Raised by {@link SupervisedProcess.assertRunning}; `code` is `TESTKIT_ERR_PROCESS_EXITED`. */
export class ProcessExitedError extends Error {
  override readonly name = 'ProcessExitedError';
  readonly code = 'TESTKIT_ERR_PROCESS_EXITED';
}

/**
 * A child process a test started: output kept (stdout lines parsed as JSON log records where
 * they parse), exit observed, stopped by its own pid (or process group) — never by name.
 */
export class SupervisedProcess {
  /** stdout lines, each parsed as JSON, or `{ raw }` when it is not JSON. */
  readonly logs: Record<string, unknown>[] = [];
  stdoutText = '';
  stderrText = '';
  /** Resolves with the exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly pid: number;

  constructor(readonly spec: SupervisedProcessSpec) {
    const child = spawn(spec.command, [...spec.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: spec.processGroup ?? false,
      ...(spec.cwd ? { cwd: spec.cwd } : {}),
      env: spec.cleanEnv ? { ...spec.env } : { ...process.env, ...spec.env },
    });
    if (child.pid === undefined) throw new ProcessExitedError(`cannot start ${spec.name} (${spec.command})`);
    this.pid = child.pid;
    child.on('error', () => undefined);
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdoutText += chunk;
      if (spec.logFile) appendFileSync(spec.logFile, chunk);
      buf += chunk;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.logs.push({ raw: line });
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrText += chunk;
      if (spec.logFile) appendFileSync(spec.logFile, chunk);
    });
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve({ code, signal });
      }),
    );
  }

  get name(): string {
    return this.spec.name;
  }

  /** True until the process has exited. */
  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** Throws {@link ProcessExitedError} (with the output tail) once the process is gone. */
  assertRunning(): void {
    if (!this.alive) throw new ProcessExitedError(`${this.name} exited (code ${this.exitInfo?.code}, signal ${this.exitInfo?.signal}):\n${this.tail()}`);
  }

  /** Waits for a log record matching `pred` (from index `from`); fails at once if the process exits. */
  waitForLog(what: string, pred: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000, from = 0): Promise<Record<string, unknown>> {
    return waitFor(
      () => {
        const found = this.logs.slice(from).find(pred);
        if (!found) this.assertRunning();
        return found;
      },
      { what: `${this.name} log: ${what}`, timeoutMs, intervalMs: 50, fatal: (e) => e instanceof ProcessExitedError },
    );
  }

  /** SIGKILL (no cleanup chance), then waits for the exit. */
  async kill9(): Promise<void> {
    if (!this.alive) return;
    this.#signal('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs` (default the spec's `stopGraceMs`); resolves once it has exited. */
  async stop(graceMs = this.spec.stopGraceMs ?? 5_000): Promise<void> {
    if (!this.alive) return;
    this.#signal('SIGTERM');
    const t = setTimeout(() => this.alive && this.#signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }

  /** The last lines of stdout and stderr, for failure messages. */
  tail(lines = 30): string {
    return `${this.stdoutText.split('\n').slice(-lines).join('\n')}\n--- stderr ---\n${this.stderrText.slice(-3000)}`;
  }

  #signal(sig: NodeJS.Signals): void {
    try {
      process.kill(this.spec.processGroup ? -this.pid : this.pid, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
}
