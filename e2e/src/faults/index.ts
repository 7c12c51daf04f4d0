// The rows of the fault matrix, in the order they run. Faults that start their own issuance come
// first (each leaves a fresh pair, ~90 s from its deadline); the three that need a rotation
// deadline come last and wait for it.
import { apiserverFlapFault } from './apiserver-flap.js';
import { approverLeaderKilledFault } from './approver-leader.js';
import { controllerManagerDownFault } from './controller-manager-down.js';
import { etcdRestartFault } from './etcd-restart.js';
import type { Fault } from './fault.js';
import { operatorKillFault } from './operator-kill.js';
import { secretDeletedFault, secretTamperedFault } from './secret-during-rotation.js';

export const FAULT_MATRIX: readonly Fault[] = [
  operatorKillFault('keyGeneration'),
  etcdRestartFault,
  operatorKillFault('csrCreate'),
  apiserverFlapFault,
  operatorKillFault('approval'),
  operatorKillFault('secretWrite'),
  approverLeaderKilledFault,
  controllerManagerDownFault,
  secretDeletedFault,
  secretTamperedFault,
];
