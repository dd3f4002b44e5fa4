import type { EventStore } from '@fangyi/eventstore';
import type { Clock, Logger } from '@fangyi/service-kit';
import type { ActiveCases } from '../activeCases/projection.ts';
import { sendInternalCommand } from '../homeQuarantine/internalCommand.ts';
import { startPeriodic, type Periodic } from './periodic.ts';

export const ESCALATION_TIMER_ACTOR = { id: 'timer-escalations', role: 'system' } as const;

/** How long an escalation may wait for someone to acknowledge it (FANGYI_ESCALATION_ACK_MINUTES). */
export const DEFAULT_ESCALATION_ACK_MINUTES = 30;

/**
 * Refusals that mean "nothing to record": another timer recorded it, someone acknowledged or
 * closed it, or the case ended, since the read model was read.
 */
const ALREADY_DONE = [
  'ESCALATION_ALREADY_OVERDUE',
  'ESCALATION_ALREADY_ACKNOWLEDGED',
  'ESCALATION_CLOSED',
  'QUARANTINE_NOT_ACTIVE',
];

export interface EscalationTimerOptions {
  readonly eventStore: EventStore;
  readonly activeCases: ActiveCases;
  readonly clock: Clock;
  /** Minutes an escalation may stay unacknowledged (default 30). */
  readonly overdueAfterMinutes?: number;
  readonly newId: () => string;
  readonly logger: Logger;
  /** Pause between passes (default 60 s). */
  readonly intervalMs?: number;
}

export interface EscalationTimerRun {
  readonly recorded: number;
  readonly alreadyDone: number;
  readonly failed: number;
}

/**
 * One pass: every escalation of an active case that nobody has acknowledged within the allowed
 * time, and that is not yet recorded as overdue, is sent as RecordEscalationOverdue. The decider on
 * the case's stream has the last word: a second timer, a restart or a lagging read model gets a
 * refusal (counted as already done), never a second event.
 */
export async function recordOverdueEscalations(
  options: EscalationTimerOptions,
): Promise<EscalationTimerRun> {
  const now = options.clock();
  const minutes = options.overdueAfterMinutes ?? DEFAULT_ESCALATION_ACK_MINUTES;
  let recorded = 0;
  let alreadyDone = 0;
  let failed = 0;
  for (const c of await options.activeCases.active()) {
    for (const e of c.unacknowledged) {
      if (e.overdue || Date.parse(e.raisedAt) + minutes * 60_000 > now.getTime()) continue;
      const dueAt = new Date(Date.parse(e.raisedAt) + minutes * 60_000);
      try {
        const outcome = await sendInternalCommand(
          options.eventStore,
          {
            type: 'RecordEscalationOverdue',
            data: {
              caseId: c.caseId,
              escalationId: e.escalationId,
              raisedAt: e.raisedAt,
              now: now.toISOString(),
              overdueAfterMinutes: minutes,
            },
          },
          {
            actor: ESCALATION_TIMER_ACTOR,
            correlationId: `overdue-${e.escalationId}`,
            causationId: null,
            // It became overdue when the time ran out, however late the timer ran.
            occurredAt: dueAt,
            newId: options.newId,
            alreadyDone: ALREADY_DONE,
          },
        );
        if (outcome.done === 'appended') recorded++;
        else alreadyDone++;
      } catch (err) {
        failed++;
        options.logger.error(
          { err, caseId: c.caseId, escalationId: e.escalationId },
          'recording an overdue escalation failed; the next pass tries again',
        );
      }
    }
  }
  if (recorded > 0 || failed > 0)
    options.logger.info({ recorded, alreadyDone, failed }, 'overdue escalations recorded');
  return { recorded, alreadyDone, failed };
}

export type EscalationTimer = Periodic<EscalationTimerRun>;

/** Runs `recordOverdueEscalations` at once and then every interval; any number of instances may run it. */
export function startEscalationTimer(options: EscalationTimerOptions): EscalationTimer {
  const log = options.logger.child({ component: 'escalation-timer' });
  return startPeriodic(
    'escalation timer',
    () => recordOverdueEscalations({ ...options, logger: log }),
    options.intervalMs ?? 60_000,
    log,
  );
}
