import type { Slot } from '@fangyi/contracts';
import { daysBetween, localTime, parseClockTime } from '@fangyi/service-kit/time';
import type { RosterCase, RosterCheck } from './projection.ts';

/** done-normal / done-abnormal: a check is logged; pending: the slot's window has not closed; overdue: it closed with no check. */
export type SlotStatus = 'done-normal' | 'done-abnormal' | 'pending' | 'overdue';

export interface SlotWindow {
  /** Minutes since local midnight. */
  readonly opens: number;
  readonly closes: number;
}
export type SlotWindows = Readonly<Record<Slot, SlotWindow>>;

export const DEFAULT_SLOT_WINDOWS: SlotWindows = {
  am: { opens: parseClockTime('06:00'), closes: parseClockTime('12:00') },
  pm: { opens: parseClockTime('12:00'), closes: parseClockTime('21:00') },
};

/** Parses `am=06:00-12:00,pm=12:00-21:00`. */
export function parseSlotWindows(value: string): SlotWindows {
  const windows: Partial<Record<Slot, SlotWindow>> = {};
  for (const part of value.split(',')) {
    const m = /^\s*(am|pm)=(\d\d:\d\d)-(\d\d:\d\d)\s*$/.exec(part);
    if (!m) throw new Error(`slot window "${part}" is not like am=06:00-12:00`);
    const w = { opens: parseClockTime(m[2]!), closes: parseClockTime(m[3]!) };
    if (w.closes <= w.opens) throw new Error(`slot window "${part}" closes before it opens`);
    windows[m[1] as Slot] = w;
  }
  if (!windows.am || !windows.pm) throw new Error('both am and pm windows are needed');
  return windows as SlotWindows;
}

export function slotStatus(check: RosterCheck | undefined, date: string, slot: Slot, now: Date, timeZone: string, windows: SlotWindows): SlotStatus {
  if (check) return check.abnormal ? 'done-abnormal' : 'done-normal';
  const local = localTime(now, timeZone);
  if (date < local.date) return 'overdue';
  if (date > local.date) return 'pending';
  return local.minutes >= windows[slot].closes ? 'overdue' : 'pending';
}

export interface RosterSlotView {
  readonly status: SlotStatus;
  readonly temperatureC: number | null;
  readonly symptoms: readonly string[];
  readonly checkedAt: string | null;
  readonly by: string | null;
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
  readonly lastTemperatureC: number | null;
  readonly lastCheckAt: string | null;
  readonly escalations: number;
  readonly am: RosterSlotView;
  readonly pm: RosterSlotView;
}

function slotView(check: RosterCheck | undefined, status: SlotStatus): RosterSlotView {
  return {
    status,
    temperatureC: check?.temperatureC ?? null,
    symptoms: check?.symptoms ?? [],
    checkedAt: check?.occurredAt ?? null,
    by: check?.by ?? null,
  };
}

/** Everyone whose period covers `date`, with the status of both slots as of `now`. */
export function rosterFor(cases: readonly RosterCase[], date: string, now: Date, timeZone: string, windows: SlotWindows): RosterEntry[] {
  return cases
    .filter((c) => c.startDate <= date && date <= c.endDate)
    .map((c) => {
      const day = c.checks[date] ?? {};
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
        lastTemperatureC: c.lastCheck?.temperatureC ?? null,
        lastCheckAt: c.lastCheck?.occurredAt ?? null,
        escalations: c.escalations,
        am: slotView(day.am, slotStatus(day.am, date, 'am', now, timeZone, windows)),
        pm: slotView(day.pm, slotStatus(day.pm, date, 'pm', now, timeZone, windows)),
      };
    })
    .sort((a, b) => a.community.localeCompare(b.community) || a.personName.localeCompare(b.personName, 'zh-CN') || a.caseId.localeCompare(b.caseId));
}
