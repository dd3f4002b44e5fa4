import { describe, expect, it } from 'vitest';
import type { ShiftRecord } from './checkpoint.ts';
import { computeCoverage, startOfBusinessDay } from './coverage.ts';

const staff = [{ id: 's1', name: '张伟', community: 'zhangcun', role: 'community-staff' as const }];
// Shanghai is UTC+8: "+08:00" times below read as the clock on the wall at the gate.
const shift = (shiftId: string, startedAt: string, endedAt: string | null): ShiftRecord => ({
  shiftId,
  staff,
  startedAt: new Date(startedAt).toISOString(),
  endedAt: endedAt === null ? null : new Date(endedAt).toISOString(),
  handoverNote: null,
});
const base = {
  date: '2020-01-29',
  timeZone: 'Asia/Shanghai',
  staffedHours: 24,
  openedAt: '2020-01-20T00:00:00.000Z',
  closedAt: null,
  // The next day, so the whole of 2020-01-29 is past.
  now: new Date('2020-01-30T12:00:00+08:00'),
};

describe('coverage of a business day', () => {
  it('starts the business day at local midnight', () => {
    expect(new Date(startOfBusinessDay('2020-01-29', 'Asia/Shanghai')).toISOString()).toBe(
      '2020-01-28T16:00:00.000Z',
    );
    expect(new Date(startOfBusinessDay('2020-07-01', 'Europe/Berlin')).toISOString()).toBe(
      '2020-06-30T22:00:00.000Z',
    );
  });

  it('three back-to-back shifts cover all 24 hours: no gap', () => {
    const c = computeCoverage({
      ...base,
      shifts: [
        shift('a', '2020-01-29T00:00:00+08:00', '2020-01-29T08:00:00+08:00'),
        shift('b', '2020-01-29T08:00:00+08:00', '2020-01-29T16:00:00+08:00'),
        shift('c', '2020-01-29T16:00:00+08:00', '2020-01-30T00:00:00+08:00'),
      ],
    });
    expect(c.uncovered).toEqual([]);
    expect(c.covered).toEqual([
      expect.objectContaining({
        fromLocal: '00:00',
        toLocal: '24:00',
        minutes: 1440,
        shiftIds: ['a', 'b', 'c'],
      }),
    ]);
    expect(c).toMatchObject({ coveredMinutes: 1440, uncoveredMinutes: 0, meetsStaffedHours: true });
  });

  it('a 24-hour checkpoint with a gap between shifts shows the gap', () => {
    const c = computeCoverage({
      ...base,
      shifts: [
        shift('a', '2020-01-29T00:00:00+08:00', '2020-01-29T08:00:00+08:00'),
        shift('b', '2020-01-29T09:30:00+08:00', '2020-01-30T00:00:00+08:00'),
      ],
    });
    expect(c.uncovered).toEqual([
      {
        from: '2020-01-29T00:00:00.000Z',
        to: '2020-01-29T01:30:00.000Z',
        fromLocal: '08:00',
        toLocal: '09:30',
        minutes: 90,
      },
    ]);
    expect(c).toMatchObject({
      coveredMinutes: 1350,
      uncoveredMinutes: 90,
      meetsStaffedHours: false,
    });
  });

  it('a night shift across midnight covers the start of the next day, and only that part', () => {
    const night = shift('n', '2020-01-28T20:00:00+08:00', '2020-01-29T08:00:00+08:00');
    const c = computeCoverage({ ...base, shifts: [night] });
    expect(c.covered).toEqual([
      expect.objectContaining({
        fromLocal: '00:00',
        toLocal: '08:00',
        minutes: 480,
        shiftIds: ['n'],
      }),
    ]);
    expect(c.uncovered).toEqual([
      expect.objectContaining({ fromLocal: '08:00', toLocal: '24:00', minutes: 960 }),
    ]);
    // And the evening before, on its own day.
    const before = computeCoverage({ ...base, date: '2020-01-28', shifts: [night] });
    expect(before.covered).toEqual([
      expect.objectContaining({ fromLocal: '20:00', toLocal: '24:00', minutes: 240 }),
    ]);
  });

  it('a shift still on duty covers until now; the rest of today is not a gap yet', () => {
    const c = computeCoverage({
      ...base,
      now: new Date('2020-01-29T10:00:00+08:00'),
      shifts: [shift('a', '2020-01-29T00:00:00+08:00', null)],
    });
    expect(c.evaluated).toMatchObject({ to: '2020-01-29T02:00:00.000Z', minutes: 600 });
    expect(c.uncovered).toEqual([]);
    expect(c.covered).toEqual([expect.objectContaining({ fromLocal: '00:00', toLocal: '10:00' })]);
  });

  it('judges only the hours the checkpoint was open', () => {
    const c = computeCoverage({
      ...base,
      openedAt: new Date('2020-01-29T06:00:00+08:00').toISOString(),
      closedAt: new Date('2020-01-29T18:00:00+08:00').toISOString(),
      shifts: [shift('a', '2020-01-29T06:00:00+08:00', '2020-01-29T12:00:00+08:00')],
    });
    expect(c.evaluated).toMatchObject({ minutes: 720 });
    expect(c.uncovered).toEqual([
      expect.objectContaining({ fromLocal: '12:00', toLocal: '18:00', minutes: 360 }),
    ]);
  });

  it('a day to come, or before opening, has nothing to judge', () => {
    expect(computeCoverage({ ...base, date: '2020-02-10', shifts: [] }).evaluated).toBeNull();
    expect(computeCoverage({ ...base, date: '2020-01-10', shifts: [] })).toMatchObject({
      evaluated: null,
      covered: [],
      uncovered: [],
    });
  });

  it('a checkpoint staffed 12 hours meets its hours with a 12-hour shift, gaps still listed', () => {
    const c = computeCoverage({
      ...base,
      staffedHours: 12,
      shifts: [shift('day', '2020-01-29T07:00:00+08:00', '2020-01-29T19:00:00+08:00')],
    });
    expect(c.meetsStaffedHours).toBe(true);
    expect(c.uncovered.map((u) => [u.fromLocal, u.toLocal])).toEqual([
      ['00:00', '07:00'],
      ['19:00', '24:00'],
    ]);
  });
});
