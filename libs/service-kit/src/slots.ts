import type { Slot } from '@fangyi/contracts';
import { SHIPPED_DISTRICT } from './district.ts';
import { addDays, daysBetween, localTime, parseClockTime } from './time.ts';

/**
 * The two daily check slots and when each may be worked. One definition serves the roster (which
 * shows a slot as overdue once its window has closed) and the quarantine service's scheduler
 * (which records it as missed then), so the two can never disagree about when a slot closes.
 */
export interface SlotWindow {
  /** Minutes since local midnight. */
  readonly opens: number;
  /** Minutes since local midnight; 24:00 (1440) closes at the end of the day. */
  readonly closes: number;
}
export type SlotWindows = Readonly<Record<Slot, SlotWindow>>;

/** The shipped district's windows (config/district.json: 06:00–12:00 and 12:00–21:00), for tests and tools. */
export const DEFAULT_SLOT_WINDOWS: SlotWindows = SHIPPED_DISTRICT.slotWindows;

/**
 * How long before a slot's window opens a check is still taken for it (a caller who starts the
 * morning round at 05:45). Earlier than that, the check is refused: 03:45 is not a morning check.
 * Configured by FANGYI_CHECK_EARLY_MINUTES.
 */
export const DEFAULT_EARLY_CHECK_MINUTES = 30;

/** Minutes since midnight → "HH:MM" (1440 is "24:00"); a negative value is a time the day before. */
export function formatClockTime(minutes: number): string {
  if (minutes === 1440) return '24:00';
  const m = ((minutes % 1440) + 1440) % 1440;
  const hhmm = `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return minutes < 0 ? `${hhmm} the day before` : hhmm;
}

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

/** Whether the slot's window on `date` (a business date) has closed as of `now`. */
export function slotWindowClosed(
  date: string,
  slot: Slot,
  now: Date,
  timeZone: string,
  windows: SlotWindows,
): boolean {
  const local = localTime(now, timeZone);
  if (date < local.date) return true;
  if (date > local.date) return false;
  return local.minutes >= windows[slot].closes;
}

/**
 * The instant a local wall-clock time happens in a time zone: `date` at `minutes` past midnight.
 * Corrects a UTC guess by the zone's offset found at that guess (twice, for a DST edge).
 */
export function instantAt(date: string, minutes: number, timeZone: string): Date {
  const wanted = Date.parse(`${date}T00:00:00Z`) + minutes * 60_000;
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const local = localTime(new Date(guess), timeZone);
    const localMs = Date.parse(`${local.date}T00:00:00Z`) + local.minutes * 60_000;
    const offset = localMs - guess;
    guess = wanted - offset;
  }
  return new Date(guess);
}

/** When the slot's window on `date` closes, as an instant. */
export function slotClosesAt(
  date: string,
  slot: Slot,
  timeZone: string,
  windows: SlotWindows,
): Date {
  return instantAt(date, windows[slot].closes, timeZone);
}

/**
 * Every (date, slot) of the days `from`..`to` (inclusive) whose window has closed as of `now`,
 * in time order. Used by the scheduler to find slots that may have been missed.
 */
export function closedSlots(
  from: string,
  to: string,
  now: Date,
  timeZone: string,
  windows: SlotWindows,
): { date: string; slot: Slot }[] {
  const out: { date: string; slot: Slot }[] = [];
  const today = localTime(now, timeZone).date;
  const last = to < today ? to : today;
  const days = daysBetween(from, last);
  for (let i = 0; i <= days; i++) {
    const date = addDays(from, i);
    for (const slot of ['am', 'pm'] as const) {
      if (slotWindowClosed(date, slot, now, timeZone, windows)) out.push({ date, slot });
    }
  }
  return out;
}
