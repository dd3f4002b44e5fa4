import { describe, expect, it } from 'vitest';
import type { QuarantineEvent } from '@fangyi/contracts';
import { deciderSpec } from '@fangyi/testkit';
import {
  homeQuarantineDecider,
  type HomeQuarantineCommand,
  type LogSymptomCheck,
  type StartFacts,
} from './homeQuarantine.ts';

const spec = deciderSpec(homeQuarantineDecider);

const callers = new Map([
  ['moujia', ['caller-1', 'caller-2']],
  ['zhangcun', ['caller-zhangcun-1']],
]);
/** What the route found: p1 lives in Moujia and has no case running. */
const facts: StartFacts = {
  person: { community: 'moujia', status: 'living' },
  activeCaseId: null,
  callers,
};

const start: HomeQuarantineCommand = {
  type: 'StartHomeQuarantine',
  data: {
    caseId: 'c1',
    personId: 'p1',
    personName: '王芳',
    community: 'moujia',
    startDate: '2020-01-28',
    periodDays: 14,
    reason: 'arrival-from-risk-area',
    assignedCaller: 'caller-1',
    facts,
  },
};

const started: QuarantineEvent = {
  type: 'quarantine.home-quarantine-started',
  data: {
    caseId: 'c1',
    personId: 'p1',
    personName: '王芳',
    community: 'moujia',
    startDate: '2020-01-28',
    endDate: '2020-02-10',
    periodDays: 14,
    reason: 'arrival-from-risk-area',
    assignedCaller: 'caller-1',
  },
};

function check(overrides: Partial<LogSymptomCheck['data']> = {}): LogSymptomCheck {
  return {
    type: 'LogSymptomCheck',
    data: {
      caseId: 'c1',
      checkId: 'k1',
      escalationId: 'e1',
      today: '2020-01-29',
      date: '2020-01-29',
      slot: 'am',
      temperatureC: 36.5,
      symptoms: [],
      reachedVia: 'phone',
      correction: false,
      feverThresholdC: 37.3,
      // Reached today at 09:30; the am window opens 06:00, checks taken from 05:30.
      checkedAtLocal: { date: overrides.today ?? '2020-01-29', minutes: 9 * 60 + 30 },
      window: { opens: 6 * 60, earlyMinutes: 30 },
      ...overrides,
    },
  };
}

const logged = (
  o: Partial<Extract<QuarantineEvent, { type: 'quarantine.symptom-check-logged' }>['data']> = {},
): QuarantineEvent => ({
  type: 'quarantine.symptom-check-logged',
  data: {
    caseId: 'c1',
    checkId: 'k1',
    date: '2020-01-29',
    slot: 'am',
    temperatureC: 36.5,
    symptoms: [],
    contactChannel: 'phone',
    measuredBy: { who: 'self', site: 'unknown' },
    abnormal: false,
    ...o,
  },
});

describe('StartHomeQuarantine', () => {
  it('starts a case whose 14-day period ends on the 14th day, inclusive', () => {
    spec.given([]).when(start).then([started]);
  });

  it('takes a period other than the default', () => {
    spec
      .given([])
      .when({ ...start, data: { ...start.data, periodDays: 7 } } as HomeQuarantineCommand)
      .thenMatches((events) =>
        expect(events[0]).toMatchObject({ data: { endDate: '2020-02-03', periodDays: 7 } }),
      );
  });

  it('refuses to start the same case twice', () => {
    spec.given([started]).when(start).thenThrows('CASE_ALREADY_EXISTS');
  });
});

describe('LogSymptomCheck', () => {
  it('records a normal check and raises nothing', () => {
    spec.given([started]).when(check()).then([logged()]);
  });

  it('refuses a check for a case that was never started', () => {
    spec.given([]).when(check()).thenThrows('CASE_NOT_FOUND');
  });

  it('refuses a check before the start of the period', () => {
    spec
      .given([started])
      .when(check({ date: '2020-01-27' }))
      .thenThrows('CHECK_OUTSIDE_PERIOD');
  });

  it('refuses a check after the end of the period', () => {
    spec
      .given([started])
      .when(check({ date: '2020-02-11', today: '2020-02-12' }))
      .thenThrows('CHECK_OUTSIDE_PERIOD');
  });

  it('accepts a check on the first and on the last day of the period', () => {
    spec
      .given([started])
      .when(check({ date: '2020-01-28' }))
      .thenMatches((e) => expect(e).toHaveLength(1));
    spec
      .given([started])
      .when(check({ date: '2020-02-10', today: '2020-02-10' }))
      .thenMatches((e) => expect(e).toHaveLength(1));
  });

  it('refuses a check for a day that has not come yet', () => {
    spec
      .given([started])
      .when(check({ date: '2020-01-30' }))
      .thenThrows('CHECK_IN_FUTURE');
  });

  it("takes the same check sent again (its id is the client's) as already recorded: no event", () => {
    spec.given([started, logged()]).when(check()).then([]);
  });

  it('refuses a second check of the same slot', () => {
    spec
      .given([started, logged()])
      .when(check({ checkId: 'k2' }))
      .thenThrows('SLOT_ALREADY_CHECKED');
  });

  it('takes the other slot of the same day', () => {
    spec
      .given([started, logged()])
      .when(check({ checkId: 'k2', slot: 'pm' }))
      .then([logged({ checkId: 'k2', slot: 'pm' })]);
  });

  it('replaces a logged check when sent as an explicit correction', () => {
    spec
      .given([started, logged()])
      .when(
        check({
          checkId: 'k2',
          temperatureC: 36.7,
          correction: true,
          correctionReason: 'misheard',
        }),
      )
      .then([
        {
          type: 'quarantine.symptom-check-corrected',
          // A correction keeps version 1's shape: reachedVia, no measuredBy.
          data: {
            caseId: 'c1',
            checkId: 'k2',
            date: '2020-01-29',
            slot: 'am',
            temperatureC: 36.7,
            symptoms: [],
            reachedVia: 'phone',
            abnormal: false,
            correctsCheckId: 'k1',
            correctionReason: 'misheard',
          },
        } as QuarantineEvent,
      ]);
  });

  it('records who measured: as the caller says, else the caller on a visit and the person otherwise', () => {
    spec
      .given([started])
      .when(check({ measuredBy: { who: 'household-member', site: 'ear' } }))
      .then([logged({ measuredBy: { who: 'household-member', site: 'ear' } })]);
    spec
      .given([started])
      .when(check({ reachedVia: 'visit' }))
      .then([logged({ contactChannel: 'visit', measuredBy: { who: 'caller', site: 'unknown' } })]);
  });

  it('refuses a correction when the slot has no check', () => {
    spec
      .given([started])
      .when(check({ correction: true }))
      .thenThrows('NOTHING_TO_CORRECT');
  });

  it.each([33.9, 43.1])('refuses a temperature of %s °C', (t) => {
    spec
      .given([started])
      .when(check({ temperatureC: t }))
      .thenThrows('TEMPERATURE_OUT_OF_RANGE');
  });

  it('escalates a fever of 37.3 °C, the threshold itself', () => {
    spec
      .given([started])
      .when(check({ temperatureC: 37.3 }))
      .then([
        logged({ temperatureC: 37.3, abnormal: true }),
        {
          type: 'quarantine.escalation-raised',
          data: {
            caseId: 'c1',
            escalationId: 'e1',
            checkId: 'k1',
            date: '2020-01-29',
            slot: 'am',
            temperatureC: 37.3,
            symptoms: [],
            reason: 'fever',
          },
        },
      ]);
  });

  it('does not escalate 37.2 °C without symptoms', () => {
    spec
      .given([started])
      .when(check({ temperatureC: 37.2 }))
      .then([logged({ temperatureC: 37.2 })]);
  });

  it('escalates any symptom at a normal temperature, and names both when both', () => {
    spec
      .given([started])
      .when(check({ symptoms: ['cough', 'cough'] }))
      .thenMatches((e) => {
        expect(e[0]).toMatchObject({ data: { symptoms: ['cough'], abnormal: true } });
        expect(e[1]).toMatchObject({
          type: 'quarantine.escalation-raised',
          data: { reason: 'symptoms' },
        });
      });
    spec
      .given([started])
      .when(check({ temperatureC: 38.1, symptoms: ['fatigue'] }))
      .thenMatches((e) => expect(e[1]).toMatchObject({ data: { reason: 'fever-and-symptoms' } }));
  });

  it('escalates a correction that turns a normal check into a fever, but not one that was already abnormal', () => {
    spec
      .given([started, logged()])
      .when(check({ checkId: 'k2', temperatureC: 38.0, correction: true }))
      .thenMatches((e) =>
        expect(e.map((x) => x.type)).toEqual([
          'quarantine.symptom-check-corrected',
          'quarantine.escalation-raised',
        ]),
      );
    spec
      .given([started, logged({ temperatureC: 38.4, abnormal: true })])
      .when(check({ checkId: 'k2', temperatureC: 38.0, correction: true }))
      .thenMatches((e) =>
        expect(e.map((x) => x.type)).toEqual(['quarantine.symptom-check-corrected']),
      );
  });
});

// ---- the rest of the follow-up lifecycle ----

const ended = (
  o: Partial<Extract<QuarantineEvent, { type: 'quarantine.home-quarantine-ended' }>['data']> = {},
): QuarantineEvent => ({
  type: 'quarantine.home-quarantine-ended',
  data: {
    caseId: 'c1',
    personId: 'p1',
    community: 'moujia',
    outcome: 'sent-to-hospital',
    endedOn: '2020-01-30',
    ...o,
  },
});
const missed = (date = '2020-01-29', slot: 'am' | 'pm' = 'am'): QuarantineEvent => ({
  type: 'quarantine.symptom-check-missed',
  data: { caseId: 'c1', date, slot },
});
const raised: QuarantineEvent = {
  type: 'quarantine.escalation-raised',
  data: {
    caseId: 'c1',
    escalationId: 'e1',
    checkId: 'k1',
    date: '2020-01-29',
    slot: 'am',
    temperatureC: 38.2,
    symptoms: [],
    reason: 'fever',
  },
};
const at = '2020-01-29T03:00:00.000Z';
const acknowledged: QuarantineEvent = {
  type: 'quarantine.escalation-acknowledged',
  data: { caseId: 'c1', escalationId: 'e1', by: 'caller-1', at },
};

const attempt = (
  o: Partial<Extract<HomeQuarantineCommand, { type: 'RecordCheckAttemptFailed' }>['data']> = {},
): HomeQuarantineCommand => ({
  type: 'RecordCheckAttemptFailed',
  data: {
    caseId: 'c1',
    attemptId: 'a1',
    date: '2020-01-29',
    slot: 'am',
    reason: 'no-answer',
    attemptedAt: at,
    today: '2020-01-29',
    attemptedAtLocal: { date: o.today ?? '2020-01-29', minutes: 9 * 60 + 30 },
    window: { opens: 6 * 60, earlyMinutes: 30 },
    ...o,
  },
});
const recordMissed = (
  o: Partial<Extract<HomeQuarantineCommand, { type: 'RecordMissedCheck' }>['data']> = {},
): HomeQuarantineCommand => ({
  type: 'RecordMissedCheck',
  data: {
    caseId: 'c1',
    date: '2020-01-29',
    slot: 'am',
    asOf: { date: '2020-01-29', minutes: 12 * 60 },
    closesAtMinutes: 12 * 60,
    ...o,
  },
});
const changePeriod = (newEndDate: string): HomeQuarantineCommand => ({
  type: 'ChangePeriod',
  data: { caseId: 'c1', newEndDate, reason: 'contact tested positive' },
});
const end = (
  o: Partial<Extract<HomeQuarantineCommand, { type: 'EndHomeQuarantine' }>['data']> = {},
): HomeQuarantineCommand => ({
  type: 'EndHomeQuarantine',
  data: {
    caseId: 'c1',
    outcome: 'sent-to-hospital',
    endedOn: '2020-01-30',
    today: '2020-01-30',
    ...o,
  },
});
const acknowledge: HomeQuarantineCommand = {
  type: 'AcknowledgeEscalation',
  data: { caseId: 'c1', escalationId: 'e1', by: 'caller-1', at },
};
const refer: HomeQuarantineCommand = {
  type: 'ReferEscalation',
  data: { caseId: 'c1', escalationId: 'e1', hospital: '青岛市第八人民医院', by: 'registrar-1', at },
};
const resolve: HomeQuarantineCommand = {
  type: 'ResolveEscalation',
  data: { caseId: 'c1', escalationId: 'e1', note: 'rechecked at 36.8', by: 'caller-1', at },
};
const breach: HomeQuarantineCommand = {
  type: 'RecordBreach',
  data: {
    caseId: 'c1',
    personId: 'p1',
    breachId: 'b1',
    checkpointId: 'zhangcun-east',
    at,
    direction: 'exit',
    sourceEventId: 'ev-1',
  },
};

describe('LogSymptomCheck within the slot window', () => {
  const at = (date: string, hhmm: string) => ({
    date,
    minutes: Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)),
  });

  it('refuses a morning check at 03:45 for a window that opens at 06:00, naming the window', () => {
    spec
      .given([started])
      .when(check({ checkedAtLocal: at('2020-01-29', '03:45') }))
      .thenThrows('SLOT_NOT_OPEN_YET', {
        fields: ['slot'],
        message: 'am window opens 06:00 (check accepted from 05:30)',
      });
  });

  it('takes a check within the early tolerance: 05:30 for a window opening at 06:00', () => {
    spec
      .given([started])
      .when(check({ checkedAtLocal: at('2020-01-29', '05:30') }))
      .then([logged()]);
  });

  it('refuses one minute before the tolerance, and follows the configured tolerance', () => {
    spec
      .given([started])
      .when(check({ checkedAtLocal: at('2020-01-29', '05:29') }))
      .thenThrows('SLOT_NOT_OPEN_YET');
    spec
      .given([started])
      .when(
        check({
          checkedAtLocal: at('2020-01-29', '05:45'),
          window: { opens: 360, earlyMinutes: 0 },
        }),
      )
      .thenThrows('SLOT_NOT_OPEN_YET', {
        message: 'am window opens 06:00 (check accepted from 06:00)',
      });
  });

  it('refuses an afternoon check in the morning (pm window opens 12:00)', () => {
    spec
      .given([started])
      .when(
        check({
          slot: 'pm',
          checkedAtLocal: at('2020-01-29', '09:30'),
          window: { opens: 12 * 60, earlyMinutes: 30 },
        }),
      )
      .thenThrows('SLOT_NOT_OPEN_YET', {
        fields: ['slot'],
        message: 'pm window opens 12:00 (check accepted from 11:30)',
      });
  });

  it('holds an unreachable attempt to the same window', () => {
    spec
      .given([started])
      .when(attempt({ attemptedAtLocal: at('2020-01-29', '03:45') }))
      .thenThrows('SLOT_NOT_OPEN_YET', {
        fields: ['slot'],
        message: 'am window opens 06:00 (attempt accepted from 05:30)',
      });
  });

  it('refuses a check reached the evening before its day', () => {
    spec
      .given([started])
      .when(check({ checkedAtLocal: at('2020-01-28', '23:50') }))
      .thenThrows('SLOT_NOT_OPEN_YET');
  });

  it('still takes a late check for a past slot, the next day', () => {
    spec
      .given([started])
      .when(
        check({
          date: '2020-01-28',
          slot: 'pm',
          checkedAtLocal: at('2020-01-29', '08:00'),
          window: { opens: 12 * 60, earlyMinutes: 30 },
        }),
      )
      .then([logged({ date: '2020-01-28', slot: 'pm' })]);
  });
});

describe('StartHomeQuarantine: the facts the route looked up decide', () => {
  const startWith = (o: Partial<StartFacts>, data: Partial<typeof start.data> = {}) =>
    ({
      ...start,
      data: { ...start.data, ...data, facts: { ...facts, ...o } },
    }) as HomeQuarantineCommand;
  const fieldOf = (command: HomeQuarantineCommand) => {
    try {
      homeQuarantineDecider.decide(command, homeQuarantineDecider.initialState());
    } catch (error) {
      return (error as { code: string; fields: { field: string }[] }).fields.map(
        (f) => `${(error as { code: string }).code} ${f.field}`,
      );
    }
    throw new Error('not refused');
  };

  it('refuses a person the residents register does not hold', () => {
    expect(fieldOf(startWith({ person: null }))).toEqual(['PERSON_NOT_REGISTERED body.personId']);
  });

  it('refuses a person who moved out, or lives in another community', () => {
    expect(fieldOf(startWith({ person: { community: 'moujia', status: 'moved-out' } }))).toEqual([
      'PERSON_HAS_MOVED_OUT body.personId',
    ]);
    expect(fieldOf(startWith({ person: { community: 'zhangcun', status: 'living' } }))).toEqual([
      'PERSON_IN_OTHER_COMMUNITY body.community',
    ]);
  });

  it('refuses a second running case for one person, naming the one running', () => {
    spec
      .given([])
      .when(startWith({ activeCaseId: 'c0' }))
      .thenThrows('PERSON_ALREADY_UNDER_QUARANTINE');
    expect(() =>
      homeQuarantineDecider.decide(
        startWith({ activeCaseId: 'c0' }),
        homeQuarantineDecider.initialState(),
      ),
    ).toThrow(/in case c0/);
  });

  it("refuses a caller who is not one of the community's, and 'unassigned' where it has callers", () => {
    expect(fieldOf(startWith({}, { assignedCaller: 'caller-zhangcun-1' }))).toEqual([
      'CALLER_NOT_OF_COMMUNITY body.assignedCaller',
    ]);
    expect(fieldOf(startWith({}, { assignedCaller: 'unassigned' }))).toEqual([
      'CALLER_NOT_OF_COMMUNITY body.assignedCaller',
    ]);
  });

  it("takes 'unassigned' where the community has no caller configured", () => {
    spec
      .given([])
      .when(
        startWith(
          { person: { community: 'kutao', status: 'living' } },
          { community: 'kutao', assignedCaller: 'unassigned' },
        ),
      )
      .thenMatches((events) =>
        expect(events[0]).toMatchObject({
          data: { community: 'kutao', assignedCaller: 'unassigned' },
        }),
      );
  });
});

describe('StartHomeQuarantine by the arrival policy', () => {
  it('records the event that started it', () => {
    spec
      .given([])
      .when({
        ...start,
        data: { ...start.data, sourceEventId: 'ev-arrival' },
      } as HomeQuarantineCommand)
      .then([
        { ...started, data: { ...started.data, sourceEventId: 'ev-arrival' } } as QuarantineEvent,
      ]);
  });

  it('takes close contact as a reason too', () => {
    spec
      .given([])
      .when({ ...start, data: { ...start.data, reason: 'close-contact' } } as HomeQuarantineCommand)
      .thenMatches((e) => expect(e[0]).toMatchObject({ data: { reason: 'close-contact' } }));
  });
});

describe('RecordCheckAttemptFailed', () => {
  it('records an unreachable attempt, which is not a check: the slot can still be checked', () => {
    spec
      .given([started])
      .when(attempt())
      .then([
        {
          type: 'quarantine.check-attempt-failed',
          data: {
            caseId: 'c1',
            attemptId: 'a1',
            date: '2020-01-29',
            slot: 'am',
            reason: 'no-answer',
            attemptedAt: at,
          },
        },
      ]);
    const afterAttempt: QuarantineEvent = {
      type: 'quarantine.check-attempt-failed',
      data: {
        caseId: 'c1',
        attemptId: 'a1',
        date: '2020-01-29',
        slot: 'am',
        reason: 'phone-off',
        attemptedAt: at,
      },
    };
    spec.given([started, afterAttempt]).when(check()).then([logged()]);
  });

  it('takes several failed attempts for one slot', () => {
    const first: QuarantineEvent = {
      type: 'quarantine.check-attempt-failed',
      data: {
        caseId: 'c1',
        attemptId: 'a1',
        date: '2020-01-29',
        slot: 'am',
        reason: 'no-answer',
        attemptedAt: at,
      },
    };
    spec
      .given([started, first])
      .when(attempt({ attemptId: 'a2', reason: 'refused' }))
      .thenMatches((e) => expect(e).toHaveLength(1));
  });

  it('refuses an attempt for a slot already checked', () => {
    spec.given([started, logged()]).when(attempt()).thenThrows('SLOT_ALREADY_CHECKED');
  });

  it('refuses an attempt outside the period or in the future', () => {
    spec
      .given([started])
      .when(attempt({ date: '2020-01-27' }))
      .thenThrows('CHECK_OUTSIDE_PERIOD');
    spec
      .given([started])
      .when(attempt({ date: '2020-01-30' }))
      .thenThrows('CHECK_IN_FUTURE');
  });

  it('refuses an attempt on an unknown case', () => {
    spec.given([]).when(attempt()).thenThrows('CASE_NOT_FOUND');
  });
});

describe('RecordMissedCheck', () => {
  it('records a slot whose window has closed with no check', () => {
    spec.given([started]).when(recordMissed()).then([missed()]);
  });

  it('records a slot of an earlier day whatever the time of day', () => {
    spec
      .given([started])
      .when(
        recordMissed({
          date: '2020-01-28',
          slot: 'pm',
          asOf: { date: '2020-01-29', minutes: 0 },
          closesAtMinutes: 21 * 60,
        }),
      )
      .then([missed('2020-01-28', 'pm')]);
  });

  it('refuses a slot whose window is still open', () => {
    spec
      .given([started])
      .when(recordMissed({ asOf: { date: '2020-01-29', minutes: 11 * 60 + 59 } }))
      .thenThrows('SLOT_STILL_OPEN');
  });

  it('refuses a second missed record for the same slot (the scheduler takes it as done)', () => {
    spec.given([started, missed()]).when(recordMissed()).thenThrows('MISSED_ALREADY_RECORDED');
  });

  it('refuses a missed record for a checked slot', () => {
    spec.given([started, logged()]).when(recordMissed()).thenThrows('SLOT_ALREADY_CHECKED');
  });

  it('refuses a slot outside the period', () => {
    spec
      .given([started])
      .when(recordMissed({ date: '2020-01-27' }))
      .thenThrows('CHECK_OUTSIDE_PERIOD');
  });

  it('still accepts a late check for a slot recorded as missed', () => {
    spec.given([started, missed()]).when(check()).then([logged()]);
  });
});

describe('ReassignCaller', () => {
  it('assigns the case to another caller, keeping who had it and why', () => {
    spec
      .given([started])
      .when({
        type: 'ReassignCaller',
        data: { caseId: 'c1', caller: 'caller-2', reason: 'caller-1 is off sick', callers },
      })
      .then([
        {
          type: 'quarantine.caller-reassigned',
          data: {
            caseId: 'c1',
            previousCaller: 'caller-1',
            newCaller: 'caller-2',
            reason: 'caller-1 is off sick',
          },
        },
      ]);
  });

  it('refuses to reassign to the caller who already has it', () => {
    spec
      .given([started])
      .when({
        type: 'ReassignCaller',
        data: { caseId: 'c1', caller: 'caller-1', reason: 'x', callers },
      })
      .thenThrows('CALLER_UNCHANGED');
  });

  it("refuses a caller who is not one of the case's community, naming body.caller", () => {
    for (const caller of ['caller-zhangcun-1', 'someone-else', 'unassigned']) {
      spec
        .given([started])
        .when({ type: 'ReassignCaller', data: { caseId: 'c1', caller, reason: 'x', callers } })
        .thenThrows('CALLER_NOT_OF_COMMUNITY');
    }
    expect(() =>
      homeQuarantineDecider.decide(
        {
          type: 'ReassignCaller',
          data: { caseId: 'c1', caller: 'caller-zhangcun-1', reason: 'x', callers },
        },
        homeQuarantineDecider.evolve(homeQuarantineDecider.initialState(), started),
      ),
    ).toThrow(
      expect.objectContaining({
        fields: [{ field: 'body.caller', message: 'not a caller of moujia' }],
      }),
    );
  });

  it('the new caller is the one a second reassignment starts from', () => {
    const reassigned: QuarantineEvent = {
      type: 'quarantine.caller-reassigned',
      data: { caseId: 'c1', previousCaller: 'caller-1', newCaller: 'caller-2', reason: 'x' },
    };
    spec
      .given([started, reassigned])
      .when({
        type: 'ReassignCaller',
        data: { caseId: 'c1', caller: 'caller-2', reason: 'y', callers },
      })
      .thenThrows('CALLER_UNCHANGED');
  });
});

describe('ChangePeriod', () => {
  it('extends the period, keeping the previous end and the reason', () => {
    spec
      .given([started])
      .when(changePeriod('2020-02-17'))
      .then([
        {
          type: 'quarantine.period-changed',
          data: {
            caseId: 'c1',
            previousEndDate: '2020-02-10',
            newEndDate: '2020-02-17',
            periodDays: 21,
            reason: 'contact tested positive',
          },
        },
      ]);
  });

  it('shortens the period down to the day of the last logged check', () => {
    spec
      .given([started, logged()])
      .when(changePeriod('2020-01-29'))
      .thenMatches((e) =>
        expect(e[0]).toMatchObject({ data: { newEndDate: '2020-01-29', periodDays: 2 } }),
      );
  });

  it('refuses an end before the last logged check', () => {
    spec
      .given([started, logged()])
      .when(changePeriod('2020-01-28'))
      .thenThrows('PERIOD_END_BEFORE_LAST_CHECK');
  });

  it('refuses an end before the start', () => {
    spec.given([started]).when(changePeriod('2020-01-27')).thenThrows('PERIOD_END_BEFORE_START');
  });

  it('refuses the end it already has', () => {
    spec.given([started]).when(changePeriod('2020-02-10')).thenThrows('PERIOD_UNCHANGED');
  });

  it('refuses a period longer than 60 days', () => {
    spec.given([started]).when(changePeriod('2020-03-28')).thenThrows('PERIOD_TOO_LONG');
  });

  it('a check after the old end is inside the extended period', () => {
    const extended: QuarantineEvent = {
      type: 'quarantine.period-changed',
      data: {
        caseId: 'c1',
        previousEndDate: '2020-02-10',
        newEndDate: '2020-02-17',
        periodDays: 21,
        reason: 'x',
      },
    };
    spec
      .given([started, extended])
      .when(check({ date: '2020-02-15', today: '2020-02-15' }))
      .thenMatches((e) => expect(e).toHaveLength(1));
  });
});

describe('EndHomeQuarantine', () => {
  it('ends a case with its outcome and day', () => {
    spec
      .given([started])
      .when(end({ note: 'fever persisted' }))
      .then([ended({ note: 'fever persisted' })]);
  });

  it('takes "completed" once the period has run its course, and refuses it before', () => {
    spec
      .given([started])
      .when(end({ outcome: 'completed', endedOn: '2020-02-10', today: '2020-02-11' }))
      .then([ended({ outcome: 'completed', endedOn: '2020-02-10' })]);
    spec
      .given([started])
      .when(end({ outcome: 'completed', endedOn: '2020-02-05', today: '2020-02-05' }))
      .thenThrows('PERIOD_NOT_COMPLETE');
  });

  it('takes the other outcomes at any day of the period', () => {
    for (const outcome of ['moved-away', 'lost-to-follow-up'] as const) {
      spec
        .given([started])
        .when(end({ outcome }))
        .thenMatches((e) => expect(e[0]).toMatchObject({ data: { outcome } }));
    }
  });

  it('refuses an end before the start, before the last check, or in the future', () => {
    spec
      .given([started])
      .when(end({ endedOn: '2020-01-27' }))
      .thenThrows('ENDED_BEFORE_START');
    spec
      .given([started, logged()])
      .when(end({ endedOn: '2020-01-28' }))
      .thenThrows('ENDED_BEFORE_LAST_CHECK');
    spec
      .given([started])
      .when(end({ endedOn: '2020-01-31' }))
      .thenThrows('ENDED_IN_FUTURE');
  });

  it('takes nothing but reading after ending: every command is refused with QUARANTINE_NOT_ACTIVE', () => {
    const commands: HomeQuarantineCommand[] = [
      check({ date: '2020-01-30', today: '2020-01-30' }),
      attempt(),
      recordMissed(),
      { type: 'ReassignCaller', data: { caseId: 'c1', caller: 'caller-2', reason: 'x', callers } },
      changePeriod('2020-02-17'),
      end(),
      acknowledge,
      refer,
      resolve,
      {
        type: 'DeliverSupplies',
        data: { caseId: 'c1', deliveryId: 'd1', items: ['food'], deliveredAt: at },
      },
      {
        type: 'RecordDisinfection',
        data: { caseId: 'c1', disinfectionId: 'x1', place: 'home', at },
      },
      breach,
    ];
    for (const command of commands)
      spec.given([started, raised, ended()]).when(command).thenThrows('QUARANTINE_NOT_ACTIVE');
    spec.given([started, ended()]).when(start).thenThrows('CASE_ALREADY_EXISTS');
  });
});

describe('escalation lifecycle: raised → acknowledged → referred to hospital or resolved', () => {
  it('acknowledges an open escalation, with who and when', () => {
    spec.given([started, raised]).when(acknowledge).then([acknowledged]);
  });

  it('refers an acknowledged escalation to a hospital', () => {
    spec
      .given([started, raised, acknowledged])
      .when(refer)
      .then([
        {
          type: 'quarantine.escalation-referred-to-hospital',
          data: {
            caseId: 'c1',
            escalationId: 'e1',
            hospital: '青岛市第八人民医院',
            by: 'registrar-1',
            at,
          },
        },
      ]);
  });

  it('resolves an acknowledged escalation', () => {
    spec
      .given([started, raised, acknowledged])
      .when(resolve)
      .then([
        {
          type: 'quarantine.escalation-resolved',
          data: { caseId: 'c1', escalationId: 'e1', note: 'rechecked at 36.8', by: 'caller-1', at },
        },
      ]);
  });

  it('refuses referral or resolution before acknowledgement', () => {
    spec.given([started, raised]).when(refer).thenThrows('ESCALATION_NOT_ACKNOWLEDGED');
    spec.given([started, raised]).when(resolve).thenThrows('ESCALATION_NOT_ACKNOWLEDGED');
  });

  it('refuses a second acknowledgement', () => {
    spec
      .given([started, raised, acknowledged])
      .when(acknowledge)
      .thenThrows('ESCALATION_ALREADY_ACKNOWLEDGED');
  });

  it('refuses every step once referred or resolved', () => {
    const referred: QuarantineEvent = {
      type: 'quarantine.escalation-referred-to-hospital',
      data: { caseId: 'c1', escalationId: 'e1', hospital: 'h', by: 'r', at },
    };
    const resolved: QuarantineEvent = {
      type: 'quarantine.escalation-resolved',
      data: { caseId: 'c1', escalationId: 'e1', note: 'n', by: 'r', at },
    };
    for (const closing of [referred, resolved]) {
      for (const command of [acknowledge, refer, resolve])
        spec
          .given([started, raised, acknowledged, closing])
          .when(command)
          .thenThrows('ESCALATION_CLOSED');
    }
  });

  it('answers an unknown escalation with ESCALATION_NOT_FOUND', () => {
    spec.given([started]).when(acknowledge).thenThrows('ESCALATION_NOT_FOUND');
  });
});

describe('DeliverSupplies and RecordDisinfection', () => {
  it('records supplies delivered, each item once', () => {
    spec
      .given([started])
      .when({
        type: 'DeliverSupplies',
        data: {
          caseId: 'c1',
          deliveryId: 'd1',
          items: ['thermometer', 'disinfectant', 'food', 'food'],
          note: '84消毒液',
          deliveredAt: at,
        },
      })
      .then([
        {
          type: 'quarantine.supplies-delivered',
          data: {
            caseId: 'c1',
            deliveryId: 'd1',
            items: ['thermometer', 'disinfectant', 'food'],
            note: '84消毒液',
            deliveredAt: at,
          },
        },
      ]);
  });

  it('records a disinfection of the vehicle', () => {
    spec
      .given([started])
      .when({
        type: 'RecordDisinfection',
        data: { caseId: 'c1', disinfectionId: 'x1', place: 'vehicle', at },
      })
      .then([
        {
          type: 'quarantine.disinfection-recorded',
          data: { caseId: 'c1', disinfectionId: 'x1', place: 'vehicle', at },
        },
      ]);
  });

  it('refuses both on an unknown case', () => {
    spec
      .given([])
      .when({
        type: 'RecordDisinfection',
        data: { caseId: 'c1', disinfectionId: 'x1', place: 'street', at },
      })
      .thenThrows('CASE_NOT_FOUND');
    spec
      .given([])
      .when({
        type: 'DeliverSupplies',
        data: { caseId: 'c1', deliveryId: 'd1', items: ['food'], deliveredAt: at },
      })
      .thenThrows('CASE_NOT_FOUND');
  });
});

describe('RecordBreach', () => {
  it('records a checkpoint breach on the case', () => {
    spec
      .given([started])
      .when(breach)
      .then([
        {
          type: 'quarantine.breach-recorded',
          data: {
            caseId: 'c1',
            breachId: 'b1',
            checkpointId: 'zhangcun-east',
            at,
            direction: 'exit',
            sourceEventId: 'ev-1',
          },
        },
      ]);
  });

  it('refuses the same breach twice (a redelivered checkpoint event)', () => {
    const recorded: QuarantineEvent = {
      type: 'quarantine.breach-recorded',
      data: {
        caseId: 'c1',
        breachId: 'b1',
        checkpointId: 'zhangcun-east',
        at,
        direction: 'exit',
        sourceEventId: 'ev-1',
      },
    };
    spec.given([started, recorded]).when(breach).thenThrows('BREACH_ALREADY_RECORDED');
    spec
      .given([started, recorded])
      .when({ ...breach, data: { ...breach.data, breachId: 'b2' } } as HomeQuarantineCommand)
      .thenMatches((e) => expect(e).toHaveLength(1));
  });

  it("refuses a breach that names someone else than the case's person", () => {
    spec
      .given([started])
      .when({ ...breach, data: { ...breach.data, personId: 'p-other' } } as HomeQuarantineCommand)
      .thenThrows('BREACH_NOT_OF_CASE');
  });

  it('refuses a breach on an unknown case', () => {
    spec.given([]).when(breach).thenThrows('CASE_NOT_FOUND');
  });
});

describe('RecordEscalationOverdue: an escalation not acknowledged in time, recorded once', () => {
  const raisedAt = '2020-01-29T01:40:00.000Z';
  const overdue = (now: string, overdueAfterMinutes = 30): HomeQuarantineCommand => ({
    type: 'RecordEscalationOverdue',
    data: { caseId: 'c1', escalationId: 'e1', raisedAt, now, overdueAfterMinutes },
  });
  const recorded: QuarantineEvent = {
    type: 'quarantine.escalation-overdue',
    data: {
      caseId: 'c1',
      escalationId: 'e1',
      raisedAt,
      dueAt: '2020-01-29T02:10:00.000Z',
      overdueAfterMinutes: 30,
    },
  };

  it('records it once the allowed time has run out, at the instant it did', () => {
    spec.given([started, raised]).when(overdue('2020-01-29T02:10:00.000Z')).then([recorded]);
    spec.given([started, raised]).when(overdue('2020-01-29T09:00:00.000Z')).then([recorded]);
  });

  it('refuses before the time has run out, naming when it will', () => {
    spec
      .given([started, raised])
      .when(overdue('2020-01-29T02:09:59.999Z'))
      .thenThrows('ESCALATION_NOT_DUE_YET', {
        fields: ['escalationId'],
        message: 'due at 2020-01-29T02:10:00.000Z',
      });
    spec
      .given([started, raised])
      .when(overdue('2020-01-29T02:10:00.000Z', 60))
      .thenThrows('ESCALATION_NOT_DUE_YET');
  });

  it('refuses a second record, one for an acknowledged or closed escalation, and one on an ended case', () => {
    spec
      .given([started, raised, recorded])
      .when(overdue('2020-01-29T03:00:00.000Z'))
      .thenThrows('ESCALATION_ALREADY_OVERDUE');
    const acked: QuarantineEvent = {
      type: 'quarantine.escalation-acknowledged',
      data: { caseId: 'c1', escalationId: 'e1', by: 'caller-1', at },
    };
    spec
      .given([started, raised, acked])
      .when(overdue('2020-01-29T03:00:00.000Z'))
      .thenThrows('ESCALATION_ALREADY_ACKNOWLEDGED');
    const resolved: QuarantineEvent = {
      type: 'quarantine.escalation-resolved',
      data: { caseId: 'c1', escalationId: 'e1', note: 'ok', by: 'caller-1', at },
    };
    spec
      .given([started, raised, acked, resolved])
      .when(overdue('2020-01-29T03:00:00.000Z'))
      .thenThrows('ESCALATION_CLOSED');
    spec
      .given([started])
      .when(overdue('2020-01-29T03:00:00.000Z'))
      .thenThrows('ESCALATION_NOT_FOUND');
    const endedEvent: QuarantineEvent = {
      type: 'quarantine.home-quarantine-ended',
      data: {
        caseId: 'c1',
        personId: 'p1',
        community: 'moujia',
        outcome: 'sent-to-hospital',
        endedOn: '2020-01-29',
      },
    };
    spec
      .given([started, raised, endedEvent])
      .when(overdue('2020-01-29T03:00:00.000Z'))
      .thenThrows('QUARANTINE_NOT_ACTIVE');
  });

  it('still takes the acknowledgement of an overdue escalation, then referral or resolution', () => {
    spec
      .given([started, raised, recorded])
      .when(acknowledge)
      .then([
        {
          type: 'quarantine.escalation-acknowledged',
          data: { caseId: 'c1', escalationId: 'e1', by: 'caller-1', at },
        },
      ]);
  });
});
