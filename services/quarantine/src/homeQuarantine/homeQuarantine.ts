import { deterministicId } from '@fangyi/contracts';
import { decide } from './decide.ts';
import { evolve, initialState } from './state.ts';

/**
 * The home quarantine case (居家隔离): started by hand or by the arrival policy, followed up twice a
 * day, escalated on fever or symptoms, supplied and disinfected, and ended with an outcome.
 * The rules live in decide.ts, the state and its fold in state.ts, the commands in commands.ts.
 */
export const streamIdOf = (caseId: string) => `homeQuarantine-${caseId}`;

/**
 * The id of a person's next case, after `casesStarted` (ended or not): every start for one person
 * at one moment, by hand or by the arrival policy, names the same stream, and only one opens it.
 */
export const nextCaseId = (personId: string, casesStarted: number) =>
  deterministicId('home-quarantine', personId, String(casesStarted));

export const homeQuarantineDecider = { initialState, evolve, decide };

export { quarantineErrors } from './errors.ts';
export { decide, MAX_PERIOD_DAYS, UNASSIGNED_CALLER } from './decide.ts';
export {
  evolve,
  initialState,
  isAbnormal,
  lastCheckDate,
  slotKey,
  type CaseFacts,
  type EscalationState,
  type EscalationStatus,
  type HomeQuarantineState,
  type LoggedCheck,
} from './state.ts';
export type * from './commands.ts';
