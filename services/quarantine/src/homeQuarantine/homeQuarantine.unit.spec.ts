import { describe, expect, it } from 'vitest';
import type { QuarantineEvent } from '@fangyi/contracts';
import { deciderSpec } from '@fangyi/testkit';
import { homeQuarantineDecider, type HomeQuarantineCommand, type LogSymptomCheck } from './homeQuarantine.ts';

const spec = deciderSpec(homeQuarantineDecider);

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
      ...overrides,
    },
  };
}

const logged = (o: Partial<Extract<QuarantineEvent, { type: 'quarantine.symptom-check-logged' }>['data']> = {}): QuarantineEvent => ({
  type: 'quarantine.symptom-check-logged',
  data: { caseId: 'c1', checkId: 'k1', date: '2020-01-29', slot: 'am', temperatureC: 36.5, symptoms: [], reachedVia: 'phone', abnormal: false, ...o },
});

describe('StartHomeQuarantine', () => {
  it('starts a case whose 14-day period ends on the 14th day, inclusive', () => {
    spec.given([]).when(start).then([started]);
  });

  it('takes a period other than the default', () => {
    spec
      .given([])
      .when({ ...start, data: { ...start.data, periodDays: 7 } } as HomeQuarantineCommand)
      .thenMatches((events) => expect(events[0]).toMatchObject({ data: { endDate: '2020-02-03', periodDays: 7 } }));
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
    spec.given([started]).when(check({ date: '2020-01-27' })).thenThrows('CHECK_OUTSIDE_PERIOD');
  });

  it('refuses a check after the end of the period', () => {
    spec.given([started]).when(check({ date: '2020-02-11', today: '2020-02-12' })).thenThrows('CHECK_OUTSIDE_PERIOD');
  });

  it('accepts a check on the first and on the last day of the period', () => {
    spec.given([started]).when(check({ date: '2020-01-28' })).thenMatches((e) => expect(e).toHaveLength(1));
    spec.given([started]).when(check({ date: '2020-02-10', today: '2020-02-10' })).thenMatches((e) => expect(e).toHaveLength(1));
  });

  it('refuses a check for a day that has not come yet', () => {
    spec.given([started]).when(check({ date: '2020-01-30' })).thenThrows('CHECK_IN_FUTURE');
  });

  it('refuses a second check of the same slot', () => {
    spec.given([started, logged()]).when(check({ checkId: 'k2' })).thenThrows('SLOT_ALREADY_CHECKED');
  });

  it('takes the other slot of the same day', () => {
    spec.given([started, logged()]).when(check({ checkId: 'k2', slot: 'pm' })).then([logged({ checkId: 'k2', slot: 'pm' })]);
  });

  it('replaces a logged check when sent as an explicit correction', () => {
    spec
      .given([started, logged()])
      .when(check({ checkId: 'k2', temperatureC: 36.7, correction: true, correctionReason: 'misheard' }))
      .then([
        {
          type: 'quarantine.symptom-check-corrected',
          data: { ...logged({ checkId: 'k2', temperatureC: 36.7 }).data, correctsCheckId: 'k1', correctionReason: 'misheard' },
        } as QuarantineEvent,
      ]);
  });

  it('refuses a correction when the slot has no check', () => {
    spec.given([started]).when(check({ correction: true })).thenThrows('NOTHING_TO_CORRECT');
  });

  it.each([33.9, 43.1])('refuses a temperature of %s °C', (t) => {
    spec.given([started]).when(check({ temperatureC: t })).thenThrows('TEMPERATURE_OUT_OF_RANGE');
  });

  it('escalates a fever of 37.3 °C, the threshold itself', () => {
    spec.given([started]).when(check({ temperatureC: 37.3 })).then([
      logged({ temperatureC: 37.3, abnormal: true }),
      { type: 'quarantine.escalation-raised', data: { caseId: 'c1', escalationId: 'e1', checkId: 'k1', date: '2020-01-29', slot: 'am', temperatureC: 37.3, symptoms: [], reason: 'fever' } },
    ]);
  });

  it('does not escalate 37.2 °C without symptoms', () => {
    spec.given([started]).when(check({ temperatureC: 37.2 })).then([logged({ temperatureC: 37.2 })]);
  });

  it('escalates any symptom at a normal temperature, and names both when both', () => {
    spec
      .given([started])
      .when(check({ symptoms: ['cough', 'cough'] }))
      .thenMatches((e) => {
        expect(e[0]).toMatchObject({ data: { symptoms: ['cough'], abnormal: true } });
        expect(e[1]).toMatchObject({ type: 'quarantine.escalation-raised', data: { reason: 'symptoms' } });
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
      .thenMatches((e) => expect(e.map((x) => x.type)).toEqual(['quarantine.symptom-check-corrected', 'quarantine.escalation-raised']));
    spec
      .given([started, logged({ temperatureC: 38.4, abnormal: true })])
      .when(check({ checkId: 'k2', temperatureC: 38.0, correction: true }))
      .thenMatches((e) => expect(e.map((x) => x.type)).toEqual(['quarantine.symptom-check-corrected']));
  });
});
