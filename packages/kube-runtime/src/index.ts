// @certscrape/kube-runtime — Kubernetes plumbing shared by the controllers (csr-approver,
// monitoring-operator): kubeconfig loading, a list+watch informer that survives apiserver
// restarts, a keyed work queue, Lease leader election, health/metrics server, JSON logging and
// graceful shutdown. It reads no environment variables: apps pass their environment in.
export { KubeRuntimeError, isKubeRuntimeError } from './errors.js';
export type { KubeRuntimeErrorCode } from './errors.js';
export { systemClock, ManualClock } from './clock.js';
export type { Clock } from './clock.js';
export { backoffDelay, Backoff } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { apiStatusCode, isConflict, isNotFound, isGone, isForbidden, describeApiError } from './api-errors.js';
export { loadKubeConfig, SERVICE_ACCOUNT_DIR } from './kube-config.js';
export type { LoadKubeConfigOptions, KubeConfigSource } from './kube-config.js';
export { Informer, createInformer } from './informer.js';
export type { InformerEvent, InformerHealth, InformerOptions, CreateInformerOptions, ListResult, WatchTransport } from './informer.js';
export { WorkQueue } from './work-queue.js';
export type { WorkQueueOptions } from './work-queue.js';
export { LeaderElector, kubernetesLeaseLock } from './leader-election.js';
export type { LeaderElectorOptions, LeaseLock, LeaseRecord } from './leader-election.js';
export { startHealthServer, parseBindAddress } from './health-server.js';
export type { HealthCheck, HealthServer, HealthServerOptions } from './health-server.js';
export { createLogger, REDACT_PATHS } from './logger.js';
export type { CreateLoggerOptions } from './logger.js';
export { createShutdown } from './shutdown.js';
export type { Shutdown, ShutdownOptions } from './shutdown.js';
export { silentLog } from './log.js';
export type { Log } from './log.js';
export { createEventRecorder } from './event-recorder.js';
export type { EventRecorder, EventTarget } from './event-recorder.js';
