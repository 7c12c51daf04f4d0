import type { Logger } from 'pino';
import { errorCode } from './errors.js';
import type { ParseOutcome } from './command-line.js';
import { createLogger } from './logger.js';
import { redactText } from './redact.js';
import { createShutdown } from './shutdown.js';
import type { Shutdown } from './shutdown.js';

/** Exit code: the command line (or a configuration file it names) is invalid — fix the invocation. */
export const EXIT_CONFIG = 2;
/** Exit code: starting failed (a file, port or server is not usable yet) — retrying may help. */
export const EXIT_START = 1;

/** What a bin's `start` gets. */
export interface MainContext {
  readonly name: string;
  readonly version: string;
  /** The bin's redacting logger (level from the command line). */
  readonly log: Logger;
  /** Aborts when shutdown starts. */
  readonly signal: AbortSignal;
  /** Registers a resource to close on shutdown; closed in reverse order of registration. */
  onShutdown(name: string, close: () => unknown): void;
  /** Asks for a graceful stop with this exit code (e.g. `--exit-on-change`): closes everything, then exits. */
  exit(reason: string, code: number): void;
}

/** A bin, as runMain runs it. */
export interface MainProgram<C> {
  /** The bin's name: first word of the startup-error line, `name` of every log line. */
  readonly name: string;
  /** Printed by `--version` and logged in the first log line. */
  readonly version: string;
  /** Code for a start failure that carries none of its own. Config errors without a code use `PROCESS_KIT_ERR_FLAGS`. */
  readonly startErrorCode: string;
  /** User arguments + environment → config (or `--help` text). Throwing means a configuration error: exit 2. */
  parse(args: readonly string[], env: Readonly<Record<string, string | undefined>>): ParseOutcome<C>;
  /**
   * Starts the bin. Throwing (or rejecting) means a start failure: exit 1. Resolving with
   * `{ exitCode }` means "done" (one-shot commands): shut down and exit with it; resolving with
   * nothing means "running": the process stays up until a signal or `context.exit`.
   */
  start(config: C, context: MainContext): Promise<void | { readonly exitCode: number }> | void | { readonly exitCode: number };
  /** Grace period for closing on shutdown. Default 10000 ms. */
  readonly shutdownTimeoutMs?: (config: C) => number;
  /** Exit code after SIGTERM/SIGINT once everything is closed. Default 0. */
  readonly signalExitCode?: number;
  /** Where log lines go. Default stdout (`stderr` for bins whose stdout is their output). */
  readonly logTo?: 'stdout' | 'stderr';
}

/** The real process, or a stand-in for tests. */
export interface MainIo {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly process: Pick<NodeJS.Process, 'on' | 'removeListener' | 'exit'>;
}

/** The one startup-error line: `name: CODE: message`, on one line, secrets redacted. */
export function startupErrorLine(name: string, code: string, message: string): string {
  return `${name}: ${code}: ${redactText(message.replace(/\s*\n\s*/g, ' ').trim())}\n`;
}

/**
 * The process shell every certscrape bin uses, one contract for all:
 * - `--version` anywhere on the command line prints `<name> <version>` and exits 0;
 * - `--help` prints the help on stdout and exits 0;
 * - a configuration error (`parse` throws) prints ONE line `name: CODE: message` on stderr, exit 2;
 * - a start failure (`start` throws) logs it and prints the same one-line form, exit 1;
 * - the first log line is `starting` with `version`; all lines are redacted JSON (createLogger);
 * - SIGTERM/SIGINT close everything registered with `onShutdown` in reverse order within the
 *   grace period, then exit 0 (1 when the grace period passes or a second signal arrives).
 * `io` defaults to the real process: this is the one place a bin reads argv and the environment.
 */
export async function runMain<C>(program: MainProgram<C>, io: MainIo = realProcess()): Promise<void> {
  const { name, version } = program;
  if (io.args.includes('--version')) {
    io.stdout.write(`${name} ${version}\n`);
    io.process.exit(0);
    return;
  }
  let parsed: ParseOutcome<C>;
  try {
    parsed = program.parse(io.args, io.env);
  } catch (e) {
    io.stderr.write(startupErrorLine(name, configCode(e), messageOf(e)));
    io.process.exit(EXIT_CONFIG);
    return;
  }
  if (parsed.kind === 'print') {
    io.stdout.write(parsed.text);
    io.process.exit(0);
    return;
  }
  const { config } = parsed;
  const log = createLogger({ name, level: parsed.logLevel, destination: program.logTo === 'stderr' ? io.stderr : io.stdout });
  const shutdown: Shutdown = createShutdown({ log, process: io.process, timeoutMs: program.shutdownTimeoutMs?.(config) ?? 10_000, ...(program.signalExitCode === undefined ? {} : { signalExitCode: program.signalExitCode }) });
  log.info({ version, pid: process.pid }, 'starting');
  const context: MainContext = {
    name,
    version,
    log,
    signal: shutdown.signal,
    onShutdown: (what, close) => shutdown.onShutdown(what, close),
    exit: (reason, code) => shutdown.exit(reason, code),
  };
  let outcome: void | { readonly exitCode: number };
  try {
    outcome = await program.start(config, context);
  } catch (e) {
    const code = errorCode(e) ?? program.startErrorCode;
    log.error({ code, err: e }, 'cannot start');
    await shutdown.shutdown('start failed');
    shutdown.dispose();
    io.stderr.write(startupErrorLine(name, code, messageOf(e)));
    io.process.exit(EXIT_START);
    return;
  }
  if (outcome && typeof outcome.exitCode === 'number') shutdown.exit('done', outcome.exitCode);
}

/** A config error's code; commander's own codes (`commander.unknownOption`) become PROCESS_KIT_ERR_FLAGS. */
function configCode(e: unknown): string {
  const code = errorCode(e);
  return code === undefined || code.startsWith('commander.') ? 'PROCESS_KIT_ERR_FLAGS' : code;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function realProcess(): MainIo {
  return { args: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr, process };
}
