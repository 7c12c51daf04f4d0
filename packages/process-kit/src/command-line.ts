import { CommanderError, Option } from 'commander';
import type { Command } from 'commander';
import { ProcessKitError } from './errors.js';
import { resolveLogLevel } from './flags/log-level.js';
import type { LogLevel } from './flags/log-level.js';

/** What parsing a command line yields: a config to run, or text to print before exiting 0 (`--help`). */
export type ParseOutcome<C> = { readonly kind: 'run'; readonly config: C; readonly logLevel: LogLevel } | { readonly kind: 'print'; readonly text: string };

/**
 * Adds the flags every bin shares: `--log-level <level>` (fatal…trace, silent), `-v, --v <n>`
 * (klog verbosity: 0-1 info, 2-4 debug, 5+ trace) and `--version` (answered by runMain before
 * parsing; declared here so it shows in `--help`). Read them back with {@link logLevelOf}.
 */
export function addStandardFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--log-level <level>', 'log level: fatal, error, warn, info, debug, trace, silent (default: -v, else $LOG_LEVEL, else info)'))
    .addOption(new Option('-v, --v <n>', 'klog-style verbosity: 0-1 info, 2-4 debug, 5+ trace'))
    .addOption(new Option('--version', 'print "<bin> <version>" and exit'));
}

/** The log level chosen by {@link addStandardFlags}' flags and `LOG_LEVEL` (see resolveLogLevel). */
export function logLevelOf(opts: { logLevel?: unknown; v?: unknown }, envLogLevel?: string): LogLevel {
  return resolveLogLevel({
    logLevel: typeof opts.logLevel === 'string' ? opts.logLevel : undefined,
    verbosity: typeof opts.v === 'string' ? opts.v : undefined,
    env: envLogLevel,
  });
}

/**
 * Runs commander on `args` (user arguments only) without letting it print or exit: `--help` comes
 * back as `{ kind: 'print', text }`; a usage error throws PROCESS_KIT_ERR_FLAGS with commander's
 * message (without its `error: ` prefix); errors thrown by option parsers propagate unchanged.
 * Returns undefined when the command parsed and should run. Actions, if any, must be synchronous
 * (record the chosen subcommand; runMain's `start` does the work).
 */
export function parseCommandLine(cmd: Command, args: readonly string[]): { kind: 'print'; text: string } | undefined {
  let out = '';
  cmd.exitOverride().configureOutput({ writeOut: (s) => void (out += s), writeErr: () => undefined, outputError: () => undefined });
  for (const sub of cmd.commands) sub.exitOverride().configureOutput({ writeOut: (s) => void (out += s), writeErr: () => undefined, outputError: () => undefined });
  try {
    cmd.parse([...args], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return { kind: 'print', text: out };
      // Help shown as an error: a command with subcommands was given none.
      if (e.code === 'commander.help') throw new ProcessKitError('PROCESS_KIT_ERR_FLAGS', 'missing command (see --help)', { cause: e });
      throw new ProcessKitError('PROCESS_KIT_ERR_FLAGS', e.message.replace(/^error: /, ''), { cause: e });
    }
    throw e;
  }
  return undefined;
}
