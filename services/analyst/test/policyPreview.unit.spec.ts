import { describe, expect, it } from 'vitest';
import { DEFAULT_SLOT_WINDOWS, instantAt, localTime } from '@fangyi/service-kit';
import { DistrictClock } from '../src/preview/preview.ts';
import {
  PreviewRequestSchema,
  TODAY_POLICY,
  foldHistory,
  previewPolicy,
  previewPolicyOf,
  slotOfMinute,
  type Figures,
} from '../src/preview/index.ts';
import { knownEnvelopes } from './policyHistory.ts';

const TZ = 'Asia/Shanghai';
const request = PreviewRequestSchema.parse({
  periodDays: '16',
  slots: '07:00-10:00,11:00-14:00,15:00-18:00',
  feverThresholdC: '37.0',
  riskAreas: '湖北省,广东省',
});
const preview = () =>
  previewPolicy(foldHistory(knownEnvelopes()), TODAY_POLICY, previewPolicyOf(request), {
    from: '2020-02-01',
    to: '2020-02-29',
    now: new Date('2020-03-31T12:00:00+08:00'),
    timeZone: TZ,
    checksPerCallerPerDay: 2,
  });
const totals = ({ daily: _d, ...f }: Figures) => f;
const day = (f: Figures, date: string) => f.daily.find((d) => d.date === date)!;

describe('the policy preview on a small known history (test/policyHistory.ts)', () => {
  it("takes today's policy from the services' constants", () => {
    expect(TODAY_POLICY).toMatchObject({
      periodDays: 14,
      feverThresholdC: 37.3,
      slots: [DEFAULT_SLOT_WINDOWS.am, DEFAULT_SLOT_WINDOWS.pm],
      riskAreas: null,
    });
  });

  it('covers a slot by the time of the check: inside a window, or up to earlyMinutes before it opens', () => {
    const p = previewPolicyOf(request);
    expect(
      [
        9 * 60,
        10 * 60 + 30,
        12 * 60 + 30,
        13 * 60,
        14 * 60,
        16 * 60,
        19 * 60,
        6 * 60 + 29,
        6 * 60 + 30,
      ].map((m) => slotOfMinute(p, m)),
    ).toEqual([0, 1, 1, 1, null, 2, null, null, 0]);
    // Today: 05:45 is taken for the morning (30 minutes early), 12:00 is the afternoon's.
    expect(
      [5 * 60 + 45, 5 * 60 + 29, 11 * 60 + 59, 12 * 60, 20 * 60 + 59, 21 * 60].map((m) =>
        slotOfMinute(TODAY_POLICY, m),
      ),
    ).toEqual([0, null, 0, 1, 1, null]);
  });

  it('counts due, done and missed checks and escalations by hand', () => {
    const r = preview();
    // Today (14 days, am 06-12 / pm 12-21, 37.3 °C, the cases as recorded):
    //   A: 02-01..02-03 (sent to hospital 02-03 at 20:00: both windows of that day had opened), 3 × 2 = 6 due;
    //      09:00 am, 16:00 pm, 10:30 am, 19:00 pm, 05:45 am (early), 12:30 pm: all 6 done; the cough escalates (37.1 does not).
    //   D: 02-02..02-15, 14 × 2 = 28 due, never checked: 28 missed.
    //   B: 02-05..02-20 (14 days + 2 by hand), 16 × 2 = 32 due (registered 10:00:05, before the am window closed);
    //      13:00 pm and 08:00 am done, 30 missed; 37.2 is no fever.
    expect(totals(r.total.today)).toEqual({
      cases: 3,
      checksDue: 66,
      checksDone: 8,
      checksMissed: 58,
      checksNotFollowed: 0,
      escalations: 1,
      personDays: 3 + 14 + 16,
      underQuarantinePeak: 2,
      callersNeededPeak: 2,
    });
    // Preview (16 days, 07-10 / 11-14 / 15-18, 37.0 °C, risk areas 湖北省 and 广东省):
    //   A: still 02-01..02-03 (the hospital ends it), 3 × 3 = 9 due; 09:00 → S0, 16:00 → S2, 10:30 → S1 (early),
    //      12:30 → S1; 19:00 and 05:45 cover nothing: 4 done, 5 missed; 37.1 (corrected from 36.9) and the cough escalate.
    //   D: its arrival from 浙江省 is no risk area: no case.
    //   B: 02-05..02-22 (16 days + 2 by hand; completed, so it runs the longer period), 18 × 3 = 54 slots, but
    //      02-05 S0 closed at 10:00, before registration: 53 due; 13:00 → S1, 08:00 → S0: 2 done, 51 missed; 37.2 escalates.
    //   C: from 广东省, a case 02-10..02-25: 16 × 3 = 48 due, none followed in the history.
    expect(totals(r.total.preview)).toEqual({
      cases: 3,
      checksDue: 110,
      checksDone: 6,
      checksMissed: 56,
      checksNotFollowed: 48,
      escalations: 3,
      personDays: 3 + 18 + 16,
      underQuarantinePeak: 2,
      callersNeededPeak: 3,
    });
    expect(totals(r.total.difference)).toEqual({
      cases: 0,
      checksDue: 44,
      checksDone: -2,
      checksMissed: -2,
      checksNotFollowed: 48,
      escalations: 2,
      personDays: 4,
      underQuarantinePeak: 0,
      callersNeededPeak: 1,
    });
  });

  it('gives each community its figures, and people under quarantine and callers needed per day', () => {
    const r = preview();
    expect(r.communities.map((c) => c.community)).toEqual(['moujia', 'zhangcun']);
    const [moujia, zhangcun] = r.communities;
    expect(totals(moujia!.today)).toMatchObject({
      cases: 2,
      checksDue: 6 + 28,
      checksDone: 6,
      checksMissed: 28,
      escalations: 1,
      personDays: 17,
    });
    expect(totals(moujia!.preview)).toMatchObject({
      cases: 1,
      checksDue: 9,
      checksDone: 4,
      checksMissed: 5,
      escalations: 2,
      personDays: 3,
    });
    expect(totals(zhangcun!.today)).toMatchObject({
      cases: 1,
      checksDue: 32,
      checksDone: 2,
      checksMissed: 30,
      escalations: 0,
      personDays: 16,
    });
    expect(totals(zhangcun!.preview)).toMatchObject({
      cases: 2,
      checksDue: 53 + 48,
      checksDone: 2,
      checksMissed: 51,
      checksNotFollowed: 48,
      escalations: 1,
      personDays: 34,
    });
    expect(r.total.today.daily).toHaveLength(29);
    // 02-02: A and D (today), A alone (preview). 02-12: D and B / B and C. 02-23: nobody / C.
    expect([
      day(r.total.today, '2020-02-02').underQuarantine,
      day(r.total.preview, '2020-02-02').underQuarantine,
    ]).toEqual([2, 1]);
    expect([
      day(r.total.today, '2020-02-12').underQuarantine,
      day(r.total.preview, '2020-02-12').underQuarantine,
    ]).toEqual([2, 2]);
    expect(day(r.total.difference, '2020-02-23')).toEqual({
      date: '2020-02-23',
      underQuarantine: 1,
      checksDue: 3,
      callersNeeded: 2,
    });
    // Two checks a caller a day. Today: moujia 02-02 has A + D = 4 due → 2 callers; zhangcun 2 a day → 1.
    // Preview: moujia 3 a day → 2; zhangcun from 02-10 B + C = 6 → 3, the district's peak.
    expect([
      moujia!.today.callersNeededPeak,
      zhangcun!.today.callersNeededPeak,
      moujia!.preview.callersNeededPeak,
      zhangcun!.preview.callersNeededPeak,
    ]).toEqual([2, 1, 2, 3]);
    expect(day(r.total.preview, '2020-02-05')).toMatchObject({ checksDue: 2, callersNeeded: 1 });
    expect(day(r.total.today, '2020-02-05')).toMatchObject({ checksDue: 4, callersNeeded: 2 });
  });

  it('is today when nothing changes, and counts only windows closed by its instant', () => {
    const history = foldHistory(knownEnvelopes());
    const same = previewPolicy(
      history,
      TODAY_POLICY,
      previewPolicyOf(PreviewRequestSchema.parse({})),
      {
        from: '2020-02-01',
        to: '2020-02-29',
        now: new Date('2020-03-31T00:00:00Z'),
        timeZone: TZ,
        checksPerCallerPerDay: 40,
      },
    );
    expect(same.total.preview).toEqual(same.total.today);
    expect(Object.values(totals(same.total.difference)).every((v) => v === 0)).toBe(true);
    // On 02-02 at 12:30 only the windows closed by then are due: A 02-01 am, pm and 02-02 am; D 02-02 am.
    const early = previewPolicy(history, TODAY_POLICY, TODAY_POLICY, {
      now: new Date('2020-02-02T12:30:00+08:00'),
      timeZone: TZ,
      checksPerCallerPerDay: 40,
    });
    expect([early.from, early.to]).toEqual(['2020-02-01', '2020-02-02']);
    expect(totals(early.total.today)).toMatchObject({
      checksDue: 4,
      checksDone: 3,
      checksMissed: 1,
    });
  });

  it('counts a slot before registration only when a check entered late covers it', () => {
    // Registered 02-03 at 15:00 for a quarantine from 02-01; a check of 02-01 09:00 was entered late.
    const history = {
      arrivals: [],
      cases: [
        {
          caseId: 'E',
          personId: 'pE',
          community: 'kutao',
          startDate: '2020-02-01',
          periodDays: 14,
          startEndDate: '2020-02-14',
          endDate: '2020-02-14',
          registeredAt: '2020-02-03T07:00:00.000Z',
          sourceEventId: null,
          ended: null,
          checks: [
            { checkId: 'E-1', at: '2020-02-01T09:00:00+08:00', temperatureC: 36.5, symptoms: [] },
          ],
        },
      ],
    };
    const r = previewPolicy(history, TODAY_POLICY, TODAY_POLICY, {
      from: '2020-02-01',
      to: '2020-02-03',
      now: new Date('2020-02-04T00:00:00+08:00'),
      timeZone: TZ,
      checksPerCallerPerDay: 40,
    });
    // 02-01 am: covered, due and done. 02-01 pm, 02-02 am/pm, 02-03 am closed before 15:00 unchecked: not due.
    // 02-03 pm closed at 21:00, after registration: due, missed.
    expect(totals(r.total.today)).toMatchObject({
      checksDue: 2,
      checksDone: 1,
      checksMissed: 1,
      personDays: 3,
    });
  });

  it("reads the district's clock as localTime and instantAt do, across a change of offset", () => {
    for (const zone of [TZ, 'Europe/Berlin', 'America/New_York']) {
      const clock = new DistrictClock(zone);
      for (
        let ms = Date.parse('2020-03-07T00:00:00Z');
        ms < Date.parse('2020-04-01T00:00:00Z');
        ms += 37 * 60_000
      ) {
        expect(clock.local(ms)).toEqual(localTime(new Date(ms), zone));
      }
      for (const date of ['2020-03-08', '2020-03-29', '2020-03-30']) {
        for (const m of [0, 180, 360, 720, 1260, 1440])
          expect(clock.at(date, m)).toBe(instantAt(date, m, zone).getTime());
      }
    }
  });

  it('refuses settings it cannot read, naming the field', () => {
    const fields = (input: unknown) => {
      const r = PreviewRequestSchema.safeParse(input);
      return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    };
    expect(fields({ slots: '07:00-10:00,09:00-12:00' })).toEqual(['slots']);
    expect(fields({ slots: '10:00-07:00' })).toEqual(['slots']);
    expect(fields({ slots: 'morning' })).toEqual(['slots']);
    expect(fields({ periodDays: '0' })).toEqual(['periodDays']);
    expect(fields({ periodDays: 'x' })).toEqual(['periodDays']);
    expect(fields({ feverThresholdC: 50 })).toEqual(['feverThresholdC']);
    expect(fields({ riskAreas: '湖北省/武汉市/江岸区' })).toEqual(['riskAreas']);
    expect(fields({ from: '2020-02-10', to: '2020-02-01' })).toEqual(['to']);
    expect(fields({ from: '2000-01-01', to: '2020-02-01' })).toEqual(['to']);
    expect(fields({ colour: 'red' })).toEqual(['']);
  });
});
