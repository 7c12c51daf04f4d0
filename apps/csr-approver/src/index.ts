// The approver's testable parts; the bin runs main.js.
export { parseConfig, createProgram, LEADER_ELECTION_ID } from './config.js';
export type { ApproverConfig } from './config.js';
export { planApproval, planFromDecision, approvedCondition, deniedCondition, withCondition, APPROVED_REASON, DENIED_REASON } from './decide.js';
export type { ApprovalPlan, SkipCategory } from './decide.js';
export { ApproverController, kubernetesCsrApi } from './controller.js';
export type { CsrApi, ReconcileOutcome, ApproverControllerOptions } from './controller.js';
export { createApproverMetrics } from './metrics.js';
export type { ApproverMetrics } from './metrics.js';
export { ApproverError } from './errors.js';
export type { ApproverErrorCode } from './errors.js';
