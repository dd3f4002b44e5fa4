import { addDays, daysBetween, localTime } from '@fangyi/service-kit/time';
import type { ShiftRecord } from './checkpoint.ts';

const MINUTE_MS = 60_000;

/** Minutes the zone is ahead of UTC at an instant (whole minutes: true of every zone in use). */
function offsetMinutes(instantMs: number, timeZone: string): number {
  const local = localTime(new Date(instantMs), timeZone);
  const utc = new Date(instantMs);
  const utcDate = utc.toISOString().slice(0, 10);
  const utcMinutes = utc.getUTCHours() * 60 + utc.getUTCMinutes();
  return daysBetween(utcDate, local.date) * 1440 + local.minutes - utcMinutes;
}

/** The instant a business day starts in the zone (00:00 local). Twice, so a DST change between the guess and the answer is honoured. */
export function startOfBusinessDay(date: string, timeZone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`);
  const first = guess - offsetMinutes(guess, timeZone) * MINUTE_MS;
  return guess - offsetMinutes(first, timeZone) * MINUTE_MS;
}

export interface CoverageInterval {
  readonly from: string;
  readonly to: string;
  /** Local clock times of the business day, "HH:MM"; the day's end is "24:00". */
  readonly fromLocal: string;
  readonly toLocal: string;
  readonly minutes: number;
}

export interface CoveredInterval extends CoverageInterval {
  /** The shifts on duty during the interval (a handover joins two). */
  readonly shiftIds: readonly string[];
}

export interface Coverage {
  readonly date: string;
  readonly staffedHours: number;
  /**
   * The part of the day that can be judged: not before the checkpoint opened, not after it closed,
   * not after now. null when none of the day qualifies (the day is to come, or the checkpoint was not open).
   */
  readonly evaluated: {
    readonly from: string;
    readonly to: string;
    readonly minutes: number;
  } | null;
  readonly covered: readonly CoveredInterval[];
  /** Gaps: evaluated time with no shift on duty. */
  readonly uncovered: readonly CoverageInterval[];
  readonly coveredMinutes: number;
  readonly uncoveredMinutes: number;
  /** Covered at least the staffed hours (all of the evaluated time for a 24-hour checkpoint). */
  readonly meetsStaffedHours: boolean;
}

export interface CoverageInput {
  readonly date: string;
  readonly timeZone: string;
  readonly staffedHours: number;
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly shifts: readonly ShiftRecord[];
  readonly now: Date;
}

function hhmm(instantMs: number, dayStart: number, dayEnd: number, timeZone: string): string {
  if (instantMs >= dayEnd) return '24:00';
  if (instantMs <= dayStart) return '00:00';
  const m = localTime(new Date(instantMs), timeZone).minutes;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/**
 * Which parts of one business day had a shift on duty and which did not. Shifts that began the day
 * before (a night shift across midnight) count from 00:00; a shift still on duty counts until now.
 */
export function computeCoverage(input: CoverageInput): Coverage {
  const { timeZone } = input;
  const dayStart = startOfBusinessDay(input.date, timeZone);
  const dayEnd = startOfBusinessDay(addDays(input.date, 1), timeZone);
  const nowMs = input.now.getTime();
  const from = Math.max(dayStart, Date.parse(input.openedAt));
  const to = Math.min(
    dayEnd,
    nowMs,
    input.closedAt ? Date.parse(input.closedAt) : Number.POSITIVE_INFINITY,
  );
  const interval = (a: number, b: number): CoverageInterval => ({
    from: new Date(a).toISOString(),
    to: new Date(b).toISOString(),
    fromLocal: hhmm(a, dayStart, dayEnd, timeZone),
    toLocal: hhmm(b, dayStart, dayEnd, timeZone),
    minutes: Math.round((b - a) / MINUTE_MS),
  });

  if (to <= from) {
    return {
      date: input.date,
      staffedHours: input.staffedHours,
      evaluated: null,
      covered: [],
      uncovered: [],
      coveredMinutes: 0,
      uncoveredMinutes: 0,
      meetsStaffedHours: false,
    };
  }

  // Clip every shift to the evaluated window, then join those that touch or overlap.
  const pieces = input.shifts
    .map((s) => ({
      a: Math.max(from, Date.parse(s.startedAt)),
      b: Math.min(to, s.endedAt === null ? nowMs : Date.parse(s.endedAt)),
      id: s.shiftId,
    }))
    .filter((p) => p.b > p.a)
    .sort((x, y) => x.a - y.a);
  const joined: { a: number; b: number; ids: string[] }[] = [];
  for (const p of pieces) {
    const last = joined[joined.length - 1];
    if (last && p.a <= last.b) {
      last.b = Math.max(last.b, p.b);
      last.ids.push(p.id);
    } else {
      joined.push({ a: p.a, b: p.b, ids: [p.id] });
    }
  }

  const covered: CoveredInterval[] = joined.map((j) => ({
    ...interval(j.a, j.b),
    shiftIds: j.ids,
  }));
  const uncovered: CoverageInterval[] = [];
  let cursor = from;
  for (const j of joined) {
    if (j.a > cursor) uncovered.push(interval(cursor, j.a));
    cursor = Math.max(cursor, j.b);
  }
  if (cursor < to) uncovered.push(interval(cursor, to));

  const evaluatedMinutes = Math.round((to - from) / MINUTE_MS);
  const coveredMinutes = Math.round(joined.reduce((sum, j) => sum + (j.b - j.a), 0) / MINUTE_MS);
  const required = Math.min(input.staffedHours * 60, evaluatedMinutes);
  return {
    date: input.date,
    staffedHours: input.staffedHours,
    evaluated: {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      minutes: evaluatedMinutes,
    },
    covered,
    uncovered,
    coveredMinutes,
    uncoveredMinutes: evaluatedMinutes - coveredMinutes,
    meetsStaffedHours: coveredMinutes >= required,
  };
}
