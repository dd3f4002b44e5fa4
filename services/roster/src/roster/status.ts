import type { Slot } from '@fangyi/contracts';
import { daysBetween, slotWindowClosed, type SlotWindows } from '@fangyi/service-kit';
import { slotClosesMs } from './instants.ts';
import {
  onRosterOf,
  withDefaults,
  type RosterRow,
  type RosterRowCheck,
  type RosterEscalation,
  type RosterMissed,
} from './projection.ts';

// The slot windows are shared with the quarantine service's missed-check scheduler; re-exported
// here for the roster's existing importers.
export {
  DEFAULT_SLOT_WINDOWS,
  parseSlotWindows,
  type SlotWindow,
  type SlotWindows,
} from '@fangyi/service-kit';

/**
 * done-normal / done-abnormal: a check is logged (a late one too, even after a missed record);
 * missed: the scheduler recorded that the window closed with no check (exact, from an event);
 * overdue: the window has closed with no check and the scheduler has not recorded it yet (computed);
 * pending: the window has not closed;
 * before-registration: the window closed before the case was registered (a case started late):
 * nobody could have checked it, so it is neither overdue nor missed.
 */
export type SlotStatus =
  | 'done-normal'
  | 'done-abnormal'
  | 'missed'
  | 'pending'
  | 'overdue'
  | 'before-registration';
export const SLOT_STATUSES = [
  'done-normal',
  'done-abnormal',
  'missed',
  'pending',
  'overdue',
  'before-registration',
] as const satisfies readonly SlotStatus[];

export function slotStatus(
  check: RosterRowCheck | undefined,
  date: string,
  slot: Slot,
  now: Date,
  timeZone: string,
  windows: SlotWindows,
  missed?: RosterMissed,
  registeredAt?: string | null,
): SlotStatus {
  if (check) return check.abnormal ? 'done-abnormal' : 'done-normal';
  if (missed) return 'missed';
  if (registeredAt && slotClosesMs(date, slot, timeZone, windows) <= Date.parse(registeredAt))
    return 'before-registration';
  return slotWindowClosed(date, slot, now, timeZone, windows) ? 'overdue' : 'pending';
}

export interface RosterSlotView {
  readonly status: SlotStatus;
  readonly temperatureC: number | null;
  readonly symptoms: readonly string[];
  readonly checkedAt: string | null;
  readonly by: string | null;
  /** Failed attempts to reach the person for this slot. */
  readonly attempts: number;
  readonly lastAttemptReason: string | null;
}

export interface RosterEntry {
  readonly caseId: string;
  readonly personId: string;
  readonly personName: string;
  readonly community: string;
  readonly assignedCaller: string;
  /** Day N of the period (day 1 is the start date). */
  readonly day: number;
  readonly periodDays: number;
  readonly startDate: string;
  readonly endDate: string;
  readonly caseStatus: 'active' | 'ended';
  readonly lastTemperatureC: number | null;
  readonly lastCheckAt: string | null;
  readonly escalations: number;
  readonly openEscalations: readonly RosterEscalation[];
  readonly breaches: number;
  readonly am: RosterSlotView;
  readonly pm: RosterSlotView;
}

function slotView(
  check: RosterRowCheck | undefined,
  attempts: RosterRow['attempts'][string][Slot] | undefined,
  status: SlotStatus,
): RosterSlotView {
  return {
    status,
    temperatureC: check?.temperatureC ?? null,
    symptoms: check?.symptoms ?? [],
    checkedAt: check?.occurredAt ?? null,
    by: check?.by ?? null,
    attempts: attempts?.count ?? 0,
    lastAttemptReason: attempts?.lastReason ?? null,
  };
}

/** Everyone on the roster of `date` (see onRosterOf), with the status of both slots as of `now`. */
export function rosterFor(
  stored: readonly RosterRow[],
  date: string,
  now: Date,
  timeZone: string,
  windows: SlotWindows,
  sorted = true,
): RosterEntry[] {
  const entries = stored
    .map(withDefaults)
    .filter((c) => onRosterOf(c, date))
    .map((c) => {
      const day = c.checks[date] ?? {};
      const missed = c.missed[date] ?? {};
      const attempts = c.attempts[date] ?? {};
      const view = (slot: Slot) =>
        slotView(
          day[slot],
          attempts[slot],
          slotStatus(day[slot], date, slot, now, timeZone, windows, missed[slot], c.registeredAt),
        );
      return {
        caseId: c.caseId,
        personId: c.personId,
        personName: c.personName,
        community: c.community,
        assignedCaller: c.assignedCaller,
        day: daysBetween(c.startDate, date) + 1,
        periodDays: c.periodDays,
        startDate: c.startDate,
        endDate: c.endDate,
        caseStatus: c.status,
        lastTemperatureC: c.lastCheck?.temperatureC ?? null,
        lastCheckAt: c.lastCheck?.occurredAt ?? null,
        escalations: c.escalations,
        openEscalations: c.openEscalations,
        breaches: c.breaches,
        am: view('am'),
        pm: view('pm'),
      };
    });
  // A page keeps its index's order (community, then last day and id); a whole list is sorted by name.
  return sorted
    ? entries.sort(
        (a, b) =>
          a.community.localeCompare(b.community) ||
          a.personName.localeCompare(b.personName, 'zh-CN') ||
          a.caseId.localeCompare(b.caseId),
      )
    : entries;
}
