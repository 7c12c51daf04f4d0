/**
 * The pure core: from what the operator observed (the installed pair, the pending
 * state, the pending CSR, the retry schedule and `now`) decide the one next step.
 * No I/O, no clock, no crypto: every observation arrives already assessed.
 */
import type { ScraperCertificateProblem } from '@certscrape/identity';
import type { SignerAssessment } from './signer-rotation.js';

/** Why the installed pair cannot be used as is: a half is missing or unreadable, or the certificate is not a valid scraper certificate (identity's checkScraperCertificate). */
export type PairProblem = 'missing-cert' | 'missing-key' | 'malformed-key' | ScraperCertificateProblem;

/** The pair in the target Secret, assessed. */
export type InstalledPair =
  | { readonly state: 'missing' }
  | { readonly state: 'unusable'; readonly problems: readonly PairProblem[] }
  | {
      readonly state: 'valid';
      readonly notBefore: Date;
      readonly notAfter: Date;
      /** Jittered rotation deadline of this issued certificate. */
      readonly rotateAt: Date;
      /** Hex SPKI of the installed key (compared with the pending key). */
      readonly spki: string;
      /** The installed certificate's issuing CA against the client CA bundle (signer-rotation.ts). */
      readonly signer: SignerAssessment;
    };

/** The pending issuance persisted before the CSR is created. */
export interface PendingView {
  readonly csrName: string;
  /** Hex SPKI of the pending key. */
  readonly spki: string;
  /** `requesting`: saved, CSR creation not confirmed; `requested`: the CSR was created. */
  readonly phase: 'requesting' | 'requested';
}

/** The pending CSR as read from the API. */
export type CsrObservation =
  | { readonly state: 'absent' }
  /** A CSR with this name exists but requests another key or signer: not ours. */
  | { readonly state: 'incompatible'; readonly message: string }
  /** Waiting for approval, or approved and waiting for the signer. */
  | { readonly state: 'waiting'; readonly approved: boolean }
  | { readonly state: 'denied'; readonly message: string }
  | { readonly state: 'failed'; readonly message: string }
  | { readonly state: 'issued'; readonly problems: readonly PairProblem[] };

/** Everything plan() looks at. */
export interface Observed {
  readonly installed: InstalledPair;
  readonly pending: PendingView | undefined;
  /** Required when `pending` is set; ignored otherwise. */
  readonly csr: CsrObservation | undefined;
  /** Not before this instant may a new issuance start (set after a failure). */
  readonly retryAt: Date | undefined;
  readonly now: Date;
}

/**
 * Why a new issuance starts. `signer-rotated`: the client CA bundle holds a CA newer than the
 * installed certificate's issuer and the probe interval since the last install has passed.
 */
export type IssueReason = 'missing' | 'unusable' | 'rotation-due' | 'signer-rotated';

/** Every IssueReason (metrics pre-create one series each; the pending state accepts only these). */
export const ISSUE_REASONS: readonly IssueReason[] = ['missing', 'unusable', 'rotation-due', 'signer-rotated'];

/** How a pending issuance ended without a usable certificate. */
export type AbandonOutcome = 'denied' | 'failed' | 'rejected' | 'vanished' | 'incompatible';

/** The next step. Exactly one per reconcile; the shell applies it and reconciles again. */
export type Action =
  /** The installed pair is good; nothing to do until `until` (its rotation deadline, or the next signer probe). */
  | { readonly type: 'idle'; readonly until: Date }
  /** Something needs doing but the last attempt failed; wait until `until`. */
  | { readonly type: 'backoff'; readonly until: Date; readonly reason: IssueReason }
  /** Generate a key, persist it with a fresh CSR name, then create the CSR. */
  | { readonly type: 'begin'; readonly reason: IssueReason }
  /** The pending state is saved but the CSR is not known to exist: create it (idempotent). */
  | { readonly type: 'create-csr'; readonly csrName: string }
  /** The CSR exists but the pending state still says `requesting`: record `requested`, so a later disappearance reads as vanished. */
  | { readonly type: 'record-requested'; readonly csrName: string }
  /** The CSR exists and is not final: wait for its watch event. */
  | { readonly type: 'await'; readonly csrName: string; readonly approved: boolean }
  /** The CSR is issued and the certificate passed every check: write the pair, then clean up. */
  | { readonly type: 'install'; readonly csrName: string }
  /** The pending pair is installed and its CSR still exists: delete the used CSR. */
  | { readonly type: 'cleanup'; readonly csrName: string }
  /** The pending pair is installed and its CSR is gone: forget the pending state. */
  | { readonly type: 'finish'; readonly csrName: string }
  /** Give up on this CSR: surface it, forget the pending state, retry after backoff. */
  | { readonly type: 'abandon'; readonly csrName: string; readonly outcome: AbandonOutcome; readonly message: string };

type ValidPair = Extract<InstalledPair, { state: 'valid' }>;

/** When a valid pair next needs attention: its rotation deadline or the next signer probe, whichever is first. */
function nextLookFor(installed: ValidPair): Date {
  const probe = installed.signer.state === 'rotating' ? installed.signer.probeAt : undefined;
  return probe && probe.getTime() < installed.rotateAt.getTime() ? probe : installed.rotateAt;
}

function needFor(installed: InstalledPair, now: Date): IssueReason | undefined {
  if (installed.state === 'missing') return 'missing';
  if (installed.state === 'unusable') return 'unusable';
  if (now.getTime() >= installed.rotateAt.getTime()) return 'rotation-due';
  const probe = installed.signer.state === 'rotating' ? installed.signer.probeAt : undefined;
  return probe && now.getTime() >= probe.getTime() ? 'signer-rotated' : undefined;
}

/** Decides the next step. Total and deterministic: the same observation gives the same action. */
export function plan(o: Observed): Action {
  const { installed, pending, now } = o;
  if (pending) {
    const name = pending.csrName;
    const csr = o.csr ?? { state: 'absent' };
    // After the Secret write (or a restart right after it) the pending key is already live.
    if (installed.state === 'valid' && installed.spki === pending.spki) return csr.state === 'absent' ? { type: 'finish', csrName: name } : { type: 'cleanup', csrName: name };
    if (pending.phase === 'requesting' && csr.state !== 'absent' && csr.state !== 'incompatible') return { type: 'record-requested', csrName: name };
    switch (csr.state) {
      case 'absent':
        return pending.phase === 'requesting'
          ? { type: 'create-csr', csrName: name }
          : { type: 'abandon', csrName: name, outcome: 'vanished', message: `CertificateSigningRequest ${name} disappeared before it was used` };
      case 'incompatible':
        return { type: 'abandon', csrName: name, outcome: 'incompatible', message: csr.message };
      case 'waiting':
        return { type: 'await', csrName: name, approved: csr.approved };
      case 'denied':
        return { type: 'abandon', csrName: name, outcome: 'denied', message: csr.message };
      case 'failed':
        return { type: 'abandon', csrName: name, outcome: 'failed', message: csr.message };
      case 'issued':
        return csr.problems.length === 0
          ? { type: 'install', csrName: name }
          : { type: 'abandon', csrName: name, outcome: 'rejected', message: `issued certificate rejected: ${csr.problems.join(', ')}` };
    }
  }
  const need = needFor(installed, now);
  if (need === undefined) return { type: 'idle', until: nextLookFor(installed as ValidPair) };
  if (o.retryAt && now.getTime() < o.retryAt.getTime()) return { type: 'backoff', until: o.retryAt, reason: need };
  return { type: 'begin', reason: need };
}
