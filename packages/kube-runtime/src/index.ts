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
export { startHealthServer, parseBindAddress, isLoopbackHost } from './health-server.js';
export type { HealthCheck, HealthServer, HealthServerOptions, MetricsTlsOptions } from './health-server.js';
export { openCaBundleWhenPresent } from './metrics-client-ca.js';
export { addMetricsServingFlags, metricsServingFlagsOf, metricsTlsOf, METRICS_SERVING_FLAG_HELP, DEFAULT_METRICS_CLIENT_CA_FILE, DEFAULT_METRICS_BIND_ADDRESS } from './metrics-serving-flags.js';
export type { MetricsServingFlags } from './metrics-serving-flags.js';
export type { CaBundleWhenPresentOptions, DeferredCaBundle } from './metrics-client-ca.js';
// The logger and the shutdown are process-kit's (one implementation for all five bins).
export { createLogger, createShutdown, REDACT_PATHS } from '@certscrape/process-kit';
export type { CreateLoggerOptions, Shutdown, ShutdownOptions } from '@certscrape/process-kit';
export { runController } from './run-controller.js';
export type { ControllerConfig, ControllerContext, ControllerProgram, ControllerSetup } from './run-controller.js';
export { addControllerFlags, controllerRuntimeConfigOf } from './controller-flags.js';
export type { ControllerRuntimeConfig } from './controller-flags.js';
export { addLeaderElectionFlags, leaderElectionConfigOf } from './leader-election-flags.js';
export type { LeaderElectionConfig, LeaderElectionDefaults } from './leader-election-flags.js';
export { silentLog } from './log.js';
export type { Log } from './log.js';
export { parseIdentitySetText, readIdentitySetFile } from './identity-set-file.js';
export { createEventRecorder } from './event-recorder.js';
export type { EventRecorder, EventTarget } from './event-recorder.js';
