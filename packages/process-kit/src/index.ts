// @certscrape/process-kit — the process shell every certscrape bin shares. No Kubernetes client:
// the target-auth sidecar loads it without @kubernetes/client-node.
export { ProcessKitError, isProcessKitError, errorCode } from './errors.js';
export type { ProcessKitErrorCode } from './errors.js';
export { runMain, startupErrorLine, EXIT_CONFIG, EXIT_START } from './run-main.js';
export type { MainContext, MainIo, MainProgram } from './run-main.js';
export { addStandardFlags, logLevelOf, parseCommandLine } from './command-line.js';
export type { ParseOutcome } from './command-line.js';
export { createLogger, redactingDestination, REDACT_PATHS } from './logger.js';
export type { CreateLoggerOptions, Logger } from './logger.js';
export { redactText, REDACTED } from './redact.js';
export { createShutdown } from './shutdown.js';
export type { Shutdown, ShutdownOptions } from './shutdown.js';
export { packageVersion } from './version.js';
export { parseBoolean } from './flags/boolean.js';
export { parseGoDuration, parseDurationFlag, formatGoDuration } from './flags/duration.js';
export type { DurationFlagOptions } from './flags/duration.js';
export { splitHostPort, joinHostPort, parsePort, parseHostPort, parseBindAddress } from './flags/host-port.js';
export type { HostPort, ParseHostPortOptions } from './flags/host-port.js';
export { LOG_LEVELS, parseLogLevel, parseVerbosity, resolveLogLevel } from './flags/log-level.js';
export type { LogLevel } from './flags/log-level.js';
export { kubeconfigSource, SERVICE_ACCOUNT_DIR } from './flags/kubeconfig-precedence.js';
export type { KubeconfigSource, KubeconfigSourceInput } from './flags/kubeconfig-precedence.js';
export { FileSource } from './file-source.js';
export type { FileCheckResult, FileRefusal, FileSourceOptions } from './file-source.js';
export { HOP_BY_HOP_HEADERS, connectionTokens } from './hop-by-hop.js';
