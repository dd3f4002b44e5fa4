import type { EventStore } from '@fangyi/eventstore';
import {
  closedSlots,
  localTime,
  slotClosesAt,
  type Clock,
  type Logger,
  type SlotWindows,
} from '@fangyi/service-kit';
import type { ActiveCases } from '../activeCases/projection.ts';
import { sendInternalCommand } from '../homeQuarantine/internalCommand.ts';
import { startPeriodic } from './periodic.ts';

export const SCHEDULER_ACTOR = { id: 'scheduler-missed-checks', role: 'system' } as const;

/**
 * Refusals that mean "nothing to record": a check or a missed record is there already (perhaps by
 * another instance), the case ended, or its period was shortened since the read model was read.
 */
const ALREADY_DONE = [
  'MISSED_ALREADY_RECORDED',
  'SLOT_ALREADY_CHECKED',
  'QUARANTINE_NOT_ACTIVE',
  'CHECK_OUTSIDE_PERIOD',
  'SLOT_STILL_OPEN',
];

export interface MissedCheckSchedulerOptions {
  readonly eventStore: EventStore;
  readonly activeCases: ActiveCases;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly slotWindows: SlotWindows;
  readonly newId: () => string;
  readonly logger: Logger;
  /** Pause between runs (default 60 s). */
  readonly intervalMs?: number;
}

export interface MissedCheckRun {
  /** Slot records appended by this run. */
  readonly recorded: number;
  /** Slots another writer had already settled (a check, a missed record, an ended case). */
  readonly alreadyDone: number;
  readonly failed: number;
}

/**
 * One pass: for every active case, every slot of the period up to now whose window has closed
 * after the case was registered, with neither a check nor a missed record in the read model, is
 * sent as RecordMissedCheck. The
 * decider on the case's stream has the last word, so a stale read model or a second instance
 * running at the same time yields a refusal (counted as already done), never a second event.
 */
export async function recordMissedChecks(
  options: MissedCheckSchedulerOptions,
): Promise<MissedCheckRun> {
  const now = options.clock();
  const asOf = localTime(now, options.timeZone);
  let recorded = 0;
  let alreadyDone = 0;
  let failed = 0;
  for (const c of await options.activeCases.active()) {
    const done = new Set(c.doneSlots);
    const registeredAt = Date.parse(c.registeredAt);
    for (const { date, slot } of closedSlots(
      c.startDate,
      c.endDate,
      now,
      options.timeZone,
      options.slotWindows,
    )) {
      if (done.has(`${date}/${slot}`)) continue;
      // Missed slots start at registration: a window that had closed before anyone knew of the
      // case was nobody's to work (the roster shows it as "before registration").
      if (slotClosesAt(date, slot, options.timeZone, options.slotWindows).getTime() <= registeredAt)
        continue;
      try {
        const outcome = await sendInternalCommand(
          options.eventStore,
          {
            type: 'RecordMissedCheck',
            data: {
              caseId: c.caseId,
              date,
              slot,
              asOf,
              closesAtMinutes: options.slotWindows[slot].closes,
            },
          },
          {
            actor: SCHEDULER_ACTOR,
            correlationId: `missed-${c.caseId}-${date}-${slot}`,
            causationId: null,
            // The miss happened in the world when the window closed, however late the scheduler ran.
            occurredAt: slotClosesAt(date, slot, options.timeZone, options.slotWindows),
            newId: options.newId,
            alreadyDone: ALREADY_DONE,
          },
        );
        if (outcome.done === 'appended') recorded++;
        else alreadyDone++;
      } catch (err) {
        failed++;
        options.logger.error(
          { err, caseId: c.caseId, date, slot },
          'recording a missed check failed; the next run tries again',
        );
      }
    }
  }
  if (recorded > 0 || failed > 0)
    options.logger.info({ recorded, alreadyDone, failed }, 'missed checks recorded');
  return { recorded, alreadyDone, failed };
}

export interface MissedCheckScheduler {
  /** Runs a pass now (also what the interval does). */
  runOnce(): Promise<MissedCheckRun>;
  stop(): Promise<void>;
}

/**
 * Runs `recordMissedChecks` at once and then every interval, one pass at a time. Any number of
 * instances may run it: each slot is recorded once whichever gets there first.
 */
export function startMissedCheckScheduler(
  options: MissedCheckSchedulerOptions,
): MissedCheckScheduler {
  const log = options.logger.child({ component: 'missed-check-scheduler' });
  return startPeriodic(
    'missed-check scheduler',
    () => recordMissedChecks({ ...options, logger: log }),
    options.intervalMs ?? 60_000,
    log,
  );
}
