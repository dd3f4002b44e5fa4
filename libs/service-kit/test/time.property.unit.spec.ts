import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SLOT_WINDOWS,
  addDays,
  businessDate,
  closedSlots,
  daysBetween,
  formatClockTime,
  instantAt,
  localTime,
  parseClockTime,
  parseSlotWindows,
  slotClosesAt,
  slotWindowClosed,
} from '../src/index.ts';

// Property runs are bounded and seeded, so a failure is reproducible: fast-check prints the seed
// and the shrunk counterexample; FANGYI_PROPERTY_SEED replays a run.
const SEED = Number(process.env.FANGYI_PROPERTY_SEED ?? 20200123);
const RUNS = { numRuns: 200, seed: SEED };

const TZ = 'Asia/Shanghai';
const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * Instants from 1901 to 2100, a third of them within minutes of a Shanghai midnight (16:00 UTC).
 * Before 1901 Shanghai kept local mean time, +8:05:43: not a whole minute, so the minute-precise
 * round trip starts there (the district has no data that old).
 */
const anyInstant = fc
  .integer({ min: Date.UTC(1901, 0, 1), max: Date.UTC(2100, 0, 1) })
  .map((ms) => new Date(ms));
const nearMidnight = fc
  .tuple(
    fc.integer({ min: Date.UTC(1992, 0, 1) / DAY, max: Date.UTC(2100, 0, 1) / DAY }),
    fc.integer({ min: -10 * MINUTE, max: 10 * MINUTE }),
  )
  .map(([day, offset]) => new Date(day * DAY + 16 * 3_600_000 + offset));
const instant = fc.oneof(anyInstant, anyInstant, nearMidnight);
const date = fc
  .integer({ min: Date.UTC(1900, 0, 1) / DAY, max: Date.UTC(2100, 0, 1) / DAY })
  .map((d) => new Date(d * DAY).toISOString().slice(0, 10));
/** Dates since China last kept summer time (1986–1991): every local minute exists exactly once. */
const modernDate = fc
  .integer({ min: Date.UTC(1992, 0, 1) / DAY, max: Date.UTC(2100, 0, 1) / DAY })
  .map((d) => new Date(d * DAY).toISOString().slice(0, 10));
const minuteOfDay = fc.integer({ min: 0, max: 1439 });

describe('business dates and local times round-trip (generated instants and dates)', () => {
  it('an instant, read as a local date and minute, is found again by instantAt (to the minute)', () => {
    fc.assert(
      fc.property(instant, (t) => {
        const local = localTime(t, TZ);
        const back = instantAt(local.date, local.minutes, TZ);
        const truncated = Math.floor(t.getTime() / MINUTE) * MINUTE;
        // Where summer time repeated an hour (1986–1991), the same wall clock names two instants.
        expect([truncated, truncated - 3_600_000, truncated + 3_600_000]).toContain(back.getTime());
        expect(localTime(back, TZ)).toEqual(local);
        expect(businessDate(t, TZ)).toBe(local.date);
      }),
      RUNS,
    );
  });

  it('a local date and minute since 1992 is one instant, which reads back as the same date and minute', () => {
    fc.assert(
      fc.property(modernDate, minuteOfDay, (d, m) => {
        expect(localTime(instantAt(d, m, TZ), TZ)).toEqual({ date: d, minutes: m });
      }),
      RUNS,
    );
  });

  it('the business date turns exactly at Shanghai midnight', () => {
    fc.assert(
      fc.property(modernDate, (d) => {
        const midnight = instantAt(d, 0, TZ);
        expect(midnight.getTime() % DAY).toBe(16 * 3_600_000);
        expect(businessDate(midnight, TZ)).toBe(d);
        expect(businessDate(new Date(midnight.getTime() - 1), TZ)).toBe(addDays(d, -1));
        expect(businessDate(new Date(midnight.getTime() + DAY - 1), TZ)).toBe(d);
      }),
      RUNS,
    );
  });

  it('addDays and daysBetween are calendar arithmetic: inverse, additive, month and leap-year safe', () => {
    fc.assert(
      fc.property(
        date,
        fc.integer({ min: -40_000, max: 40_000 }),
        fc.integer({ min: -400, max: 400 }),
        (d, a, b) => {
          expect(addDays(addDays(d, a), -a)).toBe(d);
          expect(daysBetween(d, addDays(d, a))).toBe(a);
          expect(addDays(addDays(d, a), b)).toBe(addDays(d, a + b));
          expect(addDays(d, 1) > d).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('clock times round-trip: "HH:MM" ↔ minutes, 24:00 included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1440 }), (m) => {
        expect(parseClockTime(formatClockTime(m))).toBe(m);
      }),
      RUNS,
    );
  });
});

/** Two windows, am then pm, each opening before it closes, as the configuration allows. */
const windows = fc
  .tuple(
    fc.integer({ min: 0, max: 1437 }),
    fc.integer({ min: 1, max: 720 }),
    fc.integer({ min: 0, max: 720 }),
    fc.integer({ min: 1, max: 720 }),
  )
  .filter(([amOpens, amLength, gap, pmLength]) => amOpens + amLength + gap + pmLength <= 1440)
  .map(([amOpens, amLength, gap, pmLength]) => ({
    am: { opens: amOpens, closes: amOpens + amLength },
    pm: { opens: amOpens + amLength + gap, closes: amOpens + amLength + gap + pmLength },
  }));

describe('slot windows (generated windows, dates and instants)', () => {
  it('a configured window string parses back to the windows it was written from', () => {
    fc.assert(
      fc.property(windows, (w) => {
        const text = `am=${formatClockTime(w.am.opens)}-${formatClockTime(w.am.closes)},pm=${formatClockTime(w.pm.opens)}-${formatClockTime(w.pm.closes)}`;
        expect(parseSlotWindows(text)).toEqual(w);
      }),
      RUNS,
    );
  });

  it('a slot is closed exactly from the instant its window closes', () => {
    fc.assert(
      fc.property(
        modernDate,
        fc.constantFrom('am' as const, 'pm' as const),
        windows,
        fc.integer({ min: -2 * DAY, max: 2 * DAY }),
        (d, slot, w, offset) => {
          const closes = slotClosesAt(d, slot, TZ, w);
          expect(localTime(closes, TZ)).toEqual(
            w[slot].closes === 1440
              ? { date: addDays(d, 1), minutes: 0 }
              : { date: d, minutes: w[slot].closes },
          );
          const now = new Date(closes.getTime() + offset);
          expect(slotWindowClosed(d, slot, now, TZ, w)).toBe(now.getTime() >= closes.getTime());
        },
      ),
      RUNS,
    );
  });

  it('closedSlots lists, in time order, exactly the slots of the days whose window has closed', () => {
    fc.assert(
      fc.property(
        modernDate,
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: -3 * DAY, max: 25 * DAY }),
        (from, days, offset) => {
          const to = addDays(from, days);
          const now = new Date(instantAt(from, 0, TZ).getTime() + offset);
          const expected: { date: string; slot: 'am' | 'pm' }[] = [];
          for (let i = 0; i <= days; i++) {
            for (const slot of ['am', 'pm'] as const) {
              const d = addDays(from, i);
              if (slotClosesAt(d, slot, TZ, DEFAULT_SLOT_WINDOWS).getTime() <= now.getTime())
                expected.push({ date: d, slot });
            }
          }
          expect(closedSlots(from, to, now, TZ, DEFAULT_SLOT_WINDOWS)).toEqual(expected);
        },
      ),
      RUNS,
    );
  });
});
