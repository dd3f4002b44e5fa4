import type { Clock } from '@fangyi/contracts';

/**
 * Business days and check slots live in the district's time zone (Asia/Shanghai by default).
 * Dates are plain `YYYY-MM-DD` strings; arithmetic on them is calendar arithmetic, free of zones.
 */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export type { Clock };
export const systemClock: Clock = () => new Date();

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalTime {
  /** The business date, YYYY-MM-DD. */
  readonly date: string;
  /** Minutes since local midnight. */
  readonly minutes: number;
}

// The last minute asked for in each zone: every command asks for "now", and formatToParts is
// the costliest step of a check's route (about 2.5% of the embedded mode's CPU under load).
const lastMinute = new Map<string, { minute: number; local: LocalTime }>();

export function localTime(instant: Date, timeZone: string = DEFAULT_TIME_ZONE): LocalTime {
  // Zone offsets are whole minutes for every zone in use since 1972, so one minute maps to one answer.
  const minute = Math.floor(instant.getTime() / 60_000);
  const cached = lastMinute.get(timeZone);
  if (cached && cached.minute === minute) return cached.local;
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const local = {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
  lastMinute.set(timeZone, { minute, local });
  return local;
}

export function businessDate(instant: Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  return localTime(instant, timeZone).date;
}

const DAY_MS = 86_400_000;
function toUtcMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

export function addDays(date: string, days: number): string {
  return new Date(toUtcMs(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return Math.round((toUtcMs(to) - toUtcMs(from)) / DAY_MS);
}

/** "HH:MM" → minutes since midnight. */
export function parseClockTime(value: string): number {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(value);
  if (!m) throw new Error(`not a time of day: ${value}`);
  return Number(m[1]) * 60 + Number(m[2]);
}
