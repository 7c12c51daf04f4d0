import type { ManagedProcess } from './managed-process.js';

/**
 * Freezes (SIGSTOP) or thaws (SIGCONT) a process this harness started, by its process group: a
 * frozen controller keeps its connections and its Lease but decides nothing, which holds an
 * issuance at a chosen step without touching the controller's code. Never by name.
 */
export function pauseProcess(proc: ManagedProcess): void {
  signalGroup(proc, 'SIGSTOP');
}

/** Thaws a process frozen by {@link pauseProcess} (harmless when it runs). */
export function resumeProcess(proc: ManagedProcess): void {
  signalGroup(proc, 'SIGCONT');
}

function signalGroup(proc: ManagedProcess, signal: NodeJS.Signals): void {
  if (!proc.running) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    process.kill(proc.pid, signal);
  }
}
