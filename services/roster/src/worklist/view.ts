import type { Slot } from '@fangyi/contracts';
import { daysBetween, type SlotWindows } from '@fangyi/service-kit';
import { slotClosesMs, slotOpensMs } from '../roster/instants.ts';
import { withDefaults, type RosterEscalation, type RosterRow } from '../roster/projection.ts';
import { slotStatus } from '../roster/status.ts';

/**
 * Where a slot of the worklist's date stands for the caller as of now:
 * not-open-yet (its window opens later), due-now (open, no check), overdue (closed, no check, not
 * yet recorded missed), missed (recorded), done-normal / done-abnormal (a check is logged),
 * before-registration (it closed before the case was registered).
 */
export type WorklistSlotState =
  | 'not-open-yet'
  | 'due-now'
  | 'overdue'
  | 'missed'
  | 'done-normal'
  | 'done-abnormal'
  | 'before-registration';

/** Why the person is on the list, most urgent first. */
export type WorklistUrgency = 'escalation' | 'overdue' | 'due-now' | 'coming-up';

export interface WorklistSlot {
  readonly state: WorklistSlotState;
  readonly opensAt: string;
  readonly closesAt: string;
  /** Failed attempts to reach the person for this slot. */
  readonly attempts: number;
}

export interface WorklistEntry {
  readonly caseId: string;
  readonly personId: string;
  readonly personName: string;
  /** In clear for the reader's role (callers read it; others see it masked); null once forgotten or unknown. */
  readonly phone: string | null;
  readonly address: string | null;
  readonly community: string;
  readonly assignedCaller: string;
  /** Day N of the period (day 1 is the start date). */
  readonly day: number;
  readonly periodDays: number;
  readonly urgency: WorklistUrgency;
  /** When the first slot still to do closes (null when only an escalation keeps the person here). */
  readonly dueBy: string | null;
  readonly lastTemperatureC: number | null;
  /** The last temperature against the one before: up, down or steady (null with fewer than two checks). */
  readonly trend: 'up' | 'down' | 'steady' | null;
  /** Failed attempts to reach the person over the whole period. */
  readonly attemptsSoFar: number;
  readonly openEscalations: readonly RosterEscalation[];
  readonly am: WorklistSlot;
  readonly pm: WorklistSlot;
}

export interface WorklistContact {
  readonly phone: string | null;
  readonly address: string | null;
}

const SLOTS = ['am', 'pm'] as const;

export function worklistSlotState(
  c: RosterRow,
  date: string,
  slot: Slot,
  now: Date,
  timeZone: string,
  windows: SlotWindows,
): WorklistSlotState {
  const status = slotStatus(
    c.checks[date]?.[slot],
    date,
    slot,
    now,
    timeZone,
    windows,
    c.missed[date]?.[slot],
    c.registeredAt,
  );
  if (status !== 'pending') return status;
  return now.getTime() < slotOpensMs(date, slot, timeZone, windows) ? 'not-open-yet' : 'due-now';
}

function trendOf(c: RosterRow): WorklistEntry['trend'] {
  const checks = Object.entries(c.checks)
    .flatMap(([date, slots]) =>
      SLOTS.flatMap((slot) =>
        slots[slot] ? [{ key: `${date}/${slot}`, t: slots[slot]!.temperatureC }] : [],
      ),
    )
    // `<date>/<slot>` keys sort right byte by byte; localeCompare (ICU) cost more than the rest of an entry.
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (checks.length < 2) return null;
  const [before, last] = [checks[checks.length - 2]!.t, checks[checks.length - 1]!.t];
  const delta = Math.round((last - before) * 10);
  return delta > 0 ? 'up' : delta < 0 ? 'down' : 'steady';
}

/** One person's line on the worklist of `date` as of `now`. */
export function worklistEntry(
  stored: RosterRow,
  date: string,
  now: Date,
  timeZone: string,
  windows: SlotWindows,
  contact: WorklistContact,
): WorklistEntry {
  const c = withDefaults(stored);
  const slot = (s: Slot): WorklistSlot => ({
    state: worklistSlotState(c, date, s, now, timeZone, windows),
    opensAt: new Date(slotOpensMs(date, s, timeZone, windows)).toISOString(),
    closesAt: new Date(slotClosesMs(date, s, timeZone, windows)).toISOString(),
    attempts: c.attempts[date]?.[s]?.count ?? 0,
  });
  const am = slot('am');
  const pm = slot('pm');
  const states = [am.state, pm.state];
  const urgency: WorklistUrgency =
    c.openEscalations.length > 0
      ? 'escalation'
      : states.some((s) => s === 'overdue' || s === 'missed')
        ? 'overdue'
        : states.includes('due-now')
          ? 'due-now'
          : 'coming-up';
  const todo = [am, pm].find(
    (s) =>
      s.state === 'not-open-yet' ||
      s.state === 'due-now' ||
      s.state === 'overdue' ||
      s.state === 'missed',
  );
  return {
    caseId: c.caseId,
    personId: c.personId,
    personName: c.personName,
    phone: contact.phone,
    address: contact.address,
    community: c.community,
    assignedCaller: c.assignedCaller,
    day: daysBetween(c.startDate, date) + 1,
    periodDays: c.periodDays,
    urgency,
    dueBy: todo?.closesAt ?? null,
    lastTemperatureC: c.lastCheck?.temperatureC ?? null,
    trend: trendOf(c),
    attemptsSoFar: Object.values(c.attempts).reduce(
      (n, slots) => n + (slots.am?.count ?? 0) + (slots.pm?.count ?? 0),
      0,
    ),
    openEscalations: c.openEscalations,
    am,
    pm,
  };
}
