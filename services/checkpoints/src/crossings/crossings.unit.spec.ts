import { describe, expect, it } from 'vitest';
import type { CrossingEvent } from '@fangyi/contracts';
import { deciderSpec } from '@fangyi/testkit';
import {
  crossingDecider,
  crossingOf,
  type CheckpointSnapshot,
  type RecordCrossingData,
  type RecordRefusal,
} from './crossings.ts';

const spec = deciderSpec(crossingDecider);
const onDuty: CheckpointSnapshot = { status: 'open', openShiftId: 'sh1' };

const crossing = (o: Partial<RecordCrossingData> = {}): RecordCrossingData => ({
  checkpointId: 'cp1',
  date: '2020-01-29',
  checkpoint: onDuty,
  now: '2020-01-29T04:00:00.000Z',
  crossingId: 'x1',
  breachId: 'b1',
  personId: 'p1',
  name: '李娜',
  temperatureC: 36.5,
  feverThresholdC: 37.3,
  passNumber: 'ZC-0012',
  passValid: true,
  at: '2020-01-29T03:59:00.000Z',
  // The residents directory knows p1, and pass ZC-0012 is theirs.
  identity: { person: { personId: 'p1' }, pass: { passId: 'ZC-0012', personId: 'p1' } },
  underQuarantine: null,
  ...o,
});
const entry = (o: Partial<RecordCrossingData> = {}) => ({
  type: 'RecordEntry' as const,
  data: crossing(o),
});
const exit = (o: Partial<RecordCrossingData> = {}) => ({
  type: 'RecordExit' as const,
  data: crossing(o),
});
const refusal = (o: Partial<RecordRefusal['data']> = {}): RecordRefusal => ({
  type: 'RecordRefusal',
  data: {
    checkpointId: 'cp1',
    date: '2020-01-29',
    checkpoint: onDuty,
    now: '2020-01-29T04:00:00.000Z',
    refusalId: 'r1',
    name: '外地访客',
    reason: 'outside-person',
    note: '劝返',
    at: '2020-01-29T03:59:00.000Z',
    identity: {
      person: o.personId !== undefined ? { personId: o.personId } : 'not-named',
      pass: 'not-named',
    },
    ...o,
  },
});

const recorded = (o: Record<string, unknown> = {}) => ({
  checkpointId: 'cp1',
  crossingId: 'x1',
  shiftId: 'sh1',
  date: '2020-01-29',
  personId: 'p1',
  name: '李娜',
  temperatureC: 36.5,
  fever: false,
  passNumber: 'ZC-0012',
  passValid: true,
  at: '2020-01-29T03:59:00.000Z',
  ...o,
});
const feverEntry: CrossingEvent = {
  type: 'checkpoints.entry-recorded',
  data: recorded({ temperatureC: 38.0, fever: true }) as never,
};
const normalExit: CrossingEvent = {
  type: 'checkpoints.exit-recorded',
  data: recorded({ crossingId: 'x2' }) as never,
};

describe('entries and exits', () => {
  it('records an entry under the shift on duty', () => {
    spec
      .given([])
      .when(entry())
      .then([{ type: 'checkpoints.entry-recorded', data: recorded() as never }]);
  });

  it('records an exit', () => {
    spec
      .given([])
      .when(exit())
      .then([{ type: 'checkpoints.exit-recorded', data: recorded() as never }]);
  });

  it('records a fever entry (≥ 37.3 °C) with fever: true instead of refusing it', () => {
    spec
      .given([])
      .when(entry({ temperatureC: 37.3 }))
      .then([
        {
          type: 'checkpoints.entry-recorded',
          data: recorded({ temperatureC: 37.3, fever: true }) as never,
        },
      ]);
    spec
      .given([])
      .when(entry({ temperatureC: 37.2 }))
      .thenMatches((events) => expect(events[0]!.data).toMatchObject({ fever: false }));
  });

  it('records an invalid pass as checked by the staff', () => {
    spec
      .given([])
      .when(entry({ passValid: false }))
      .thenMatches((events) => expect(events[0]!.data).toMatchObject({ passValid: false }));
  });

  it('needs an open checkpoint with a shift on duty', () => {
    spec
      .given([])
      .when(entry({ checkpoint: { status: 'open', openShiftId: null } }))
      .thenThrows('NO_OPEN_SHIFT', { fields: ['checkpointId'] });
    spec
      .given([])
      .when(exit({ checkpoint: { status: 'closed' } }))
      .thenThrows('CHECKPOINT_CLOSED', { fields: ['checkpointId'] });
    spec
      .given([])
      .when(entry({ checkpoint: { status: 'none' } }))
      .thenThrows('CHECKPOINT_NOT_FOUND', { fields: ['checkpointId'] });
  });

  it('refuses a temperature outside 34–43 °C', () => {
    spec
      .given([])
      .when(entry({ temperatureC: 33.9 }))
      .thenThrows('TEMPERATURE_OUT_OF_RANGE', { fields: ['temperatureC'] });
    spec
      .given([])
      .when(exit({ temperatureC: 43.1 }))
      .thenThrows('TEMPERATURE_OUT_OF_RANGE', { fields: ['temperatureC'] });
  });

  it('must say who crossed', () => {
    const { personId: _p, name: _n, ...anonymous } = crossing();
    spec
      .given([])
      .when({ type: 'RecordEntry', data: anonymous })
      .thenThrows('PERSON_REQUIRED', { fields: ['personId'] });
  });

  it('refuses a crossing timed later than now', () => {
    spec
      .given([])
      .when(entry({ at: '2020-01-29T04:30:00.000Z' }))
      .thenThrows('CROSSING_IN_FUTURE', { fields: ['at'] });
  });
});

describe('who crossed: a person or pass named must be a real one', () => {
  it('refuses a person the residents register does not hold, naming body.personId', () => {
    spec
      .given([])
      .when(entry({ identity: { person: 'unknown', pass: 'not-named' } }))
      .thenThrows('CROSSING_PERSON_UNKNOWN');
    spec
      .given([])
      .when(refusal({ personId: 'ghost', identity: { person: 'unknown', pass: 'not-named' } }))
      .thenThrows('CROSSING_PERSON_UNKNOWN');
  });

  it('refuses a pass that was never issued, and one issued to someone else, naming body.passNumber', () => {
    spec
      .given([])
      .when(entry({ identity: { person: { personId: 'p1' }, pass: 'unknown' } }))
      .thenThrows('PASS_UNKNOWN');
    expect(() =>
      crossingDecider.decide(
        entry({
          identity: { person: { personId: 'p1' }, pass: { passId: 'ZC-0012', personId: 'p2' } },
        }),
        crossingDecider.initialState(),
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'PASS_NOT_OF_PERSON',
        fields: [expect.objectContaining({ field: 'body.passNumber' })],
      }),
    );
  });

  it("records a crossing named by its pass for the pass's holder, breach included", () => {
    const byPass = entry({
      personId: undefined,
      identity: { person: 'not-named', pass: { passId: 'ZC-0012', personId: 'p1' } },
      underQuarantine: { caseId: 'case-1' },
    });
    spec
      .given([])
      .when(byPass)
      .thenMatches((events) => {
        expect(events[0]!.data).toMatchObject({ personId: 'p1', passNumber: 'ZC-0012' });
        expect(events[1]).toMatchObject({
          type: 'checkpoints.quarantine-breach-recorded',
          data: { personId: 'p1', caseId: 'case-1' },
        });
      });
  });

  it('records a crossing naming neither as unidentified, and never as a breach', () => {
    const {
      personId: _p,
      passNumber: _n,
      ...told
    } = crossing({
      identity: { person: 'not-named', pass: 'not-named' },
      underQuarantine: { caseId: 'case-1' },
    });
    spec
      .given([])
      .when({ type: 'RecordEntry', data: told })
      .thenMatches((events) => {
        expect(events).toHaveLength(1);
        expect(events[0]!.data).toMatchObject({ name: '李娜', unidentified: true });
        expect(events[0]!.data).not.toHaveProperty('personId');
      });
  });
});

describe('quarantine breaches', () => {
  const breach = (direction: 'entry' | 'exit'): CrossingEvent => ({
    type: 'checkpoints.quarantine-breach-recorded',
    data: {
      breachId: 'b1',
      checkpointId: 'cp1',
      crossingId: 'x1',
      personId: 'p1',
      caseId: 'case-1',
      direction,
      at: '2020-01-29T03:59:00.000Z',
    },
  });

  it('an entry by a person under home quarantine also records a breach, in the same decision', () => {
    spec
      .given([])
      .when(entry({ underQuarantine: { caseId: 'case-1' } }))
      .then([{ type: 'checkpoints.entry-recorded', data: recorded() as never }, breach('entry')]);
  });

  it('so does an exit', () => {
    spec
      .given([])
      .when(exit({ underQuarantine: { caseId: 'case-1' } }))
      .then([{ type: 'checkpoints.exit-recorded', data: recorded() as never }, breach('exit')]);
  });

  it('a person not under quarantine crosses without a breach', () => {
    spec
      .given([])
      .when(entry({ underQuarantine: null }))
      .thenMatches((events) =>
        expect(events.map((e) => e.type)).toEqual(['checkpoints.entry-recorded']),
      );
  });

  it('a refusal is never a breach: the person did not cross', () => {
    spec
      .given([])
      .when(refusal({ personId: 'p1', reason: 'quarantined' }))
      .thenMatches((events) =>
        expect(events.map((e) => e.type)).toEqual(['checkpoints.refusal-recorded']),
      );
  });
});

describe('refusals (劝返)', () => {
  it('records an outside person turned back', () => {
    spec
      .given([])
      .when(refusal())
      .then([
        {
          type: 'checkpoints.refusal-recorded',
          data: {
            checkpointId: 'cp1',
            refusalId: 'r1',
            shiftId: 'sh1',
            date: '2020-01-29',
            name: '外地访客',
            reason: 'outside-person',
            note: '劝返',
            at: '2020-01-29T03:59:00.000Z',
          },
        },
      ]);
  });

  it('answers a fever entry: the entry counts as refused', () => {
    spec
      .given([feverEntry])
      .when(refusal({ crossingId: 'x1', reason: 'fever' }))
      .thenMatches((events) =>
        expect(events[0]!.data).toMatchObject({ crossingId: 'x1', reason: 'fever' }),
      );
    const state = [
      feverEntry,
      {
        type: 'checkpoints.refusal-recorded',
        data: {
          checkpointId: 'cp1',
          refusalId: 'r1',
          shiftId: 'sh1',
          date: '2020-01-29',
          reason: 'fever',
          note: '',
          crossingId: 'x1',
          at: '2020-01-29T04:00:00.000Z',
        },
      } as CrossingEvent,
    ].reduce(crossingDecider.evolve, crossingDecider.initialState());
    expect(state.status === 'recording' && state.crossings.get('x1')?.refusalId).toBe('r1');
  });

  it('refuses a crossingId that is not one of the day', () => {
    spec
      .given([])
      .when(refusal({ crossingId: 'nope' }))
      .thenThrows('CROSSING_NOT_FOUND', { fields: ['crossingId'] });
  });

  it('refuses turning back an exit', () => {
    spec
      .given([normalExit])
      .when(refusal({ crossingId: 'x2' }))
      .thenThrows('CROSSING_NOT_AN_ENTRY', { fields: ['crossingId'] });
  });

  it('refuses turning back the same entry twice', () => {
    const refused: CrossingEvent = {
      type: 'checkpoints.refusal-recorded',
      data: {
        checkpointId: 'cp1',
        refusalId: 'r0',
        shiftId: 'sh1',
        date: '2020-01-29',
        reason: 'fever',
        note: '',
        crossingId: 'x1',
        at: '2020-01-29T04:00:00.000Z',
      },
    };
    spec
      .given([feverEntry, refused])
      .when(refusal({ crossingId: 'x1' }))
      .thenThrows('CROSSING_ALREADY_REFUSED', { fields: ['crossingId'] });
  });

  it('needs a shift on duty at an open checkpoint, and a time not later than now', () => {
    spec
      .given([])
      .when(refusal({ checkpoint: { status: 'open', openShiftId: null } }))
      .thenThrows('NO_OPEN_SHIFT', { fields: ['checkpointId'] });
    spec
      .given([])
      .when(refusal({ checkpoint: { status: 'closed' } }))
      .thenThrows('CHECKPOINT_CLOSED', { fields: ['checkpointId'] });
    spec
      .given([])
      .when(refusal({ checkpoint: { status: 'none' } }))
      .thenThrows('CHECKPOINT_NOT_FOUND', { fields: ['checkpointId'] });
    spec
      .given([])
      .when(refusal({ at: '2020-01-29T05:00:00.000Z' }))
      .thenThrows('CROSSING_IN_FUTURE', { fields: ['at'] });
  });
});

describe('resends with a client-chosen id', () => {
  const entryEvent: CrossingEvent = {
    type: 'checkpoints.entry-recorded',
    data: recorded() as never,
  };
  const breachEvent: CrossingEvent = {
    type: 'checkpoints.quarantine-breach-recorded',
    data: {
      breachId: 'b1',
      checkpointId: 'cp1',
      crossingId: 'x1',
      personId: 'p1',
      caseId: 'case-1',
      direction: 'entry',
      at: '2020-01-29T03:59:00.000Z',
    },
  };
  const refusalEvent = (o: Record<string, unknown> = {}): CrossingEvent => ({
    type: 'checkpoints.refusal-recorded',
    data: {
      checkpointId: 'cp1',
      refusalId: 'r1',
      shiftId: 'sh1',
      date: '2020-01-29',
      name: '外地访客',
      reason: 'outside-person',
      note: '劝返',
      at: '2020-01-29T03:59:00.000Z',
      ...o,
    } as never,
  });

  it('the same crossing sent again with its id records nothing', () => {
    spec.given([entryEvent]).when(entry()).then([]);
    spec
      .given([{ type: 'checkpoints.exit-recorded', data: recorded() as never }])
      .when(exit())
      .then([]);
  });

  it('a resend by someone under quarantine records no second breach, and the state keeps the first breach for the answer', () => {
    spec
      .given([entryEvent, breachEvent])
      .when(entry({ underQuarantine: { caseId: 'case-1' }, breachId: 'b2' }))
      .then([]);
    const state = [entryEvent, breachEvent].reduce(
      crossingDecider.evolve,
      crossingDecider.initialState(),
    );
    expect(crossingOf(state, 'x1')).toMatchObject({
      direction: 'entry',
      fever: false,
      breachId: 'b1',
    });
  });

  it('a resend is answered even when the shift ended or the clock moved on since the first try', () => {
    spec
      .given([entryEvent])
      .when(entry({ checkpoint: { status: 'open', openShiftId: null } }))
      .then([]);
    spec
      .given([entryEvent])
      .when(entry({ checkpoint: { status: 'closed' }, now: '2020-01-29T05:00:00.000Z' }))
      .then([]);
  });

  it('the same id with other content is refused, naming the fields that differ', () => {
    spec
      .given([entryEvent])
      .when(entry({ temperatureC: 37.9 }))
      .thenThrows('CROSSING_ID_REUSED');
    spec
      .given([entryEvent])
      .when(entry({ personId: 'p2' }))
      .thenThrows('CROSSING_ID_REUSED');
    spec
      .given([entryEvent])
      .when(entry({ at: '2020-01-29T03:58:00.000Z' }))
      .thenThrows('CROSSING_ID_REUSED');
    spec.given([entryEvent]).when(exit()).thenThrows('CROSSING_ID_REUSED');
    expect(() =>
      crossingDecider.decide(
        entry({ temperatureC: 37.9, passValid: false }),
        [entryEvent].reduce(crossingDecider.evolve, crossingDecider.initialState()),
      ),
    ).toThrow(
      expect.objectContaining({
        detail: expect.stringContaining('temperatureC, passValid'),
        fields: [expect.objectContaining({ field: 'crossingId' })],
      }),
    );
  });

  it('another id is another crossing, even with the same content', () => {
    spec
      .given([entryEvent])
      .when(entry({ crossingId: 'x2' }))
      .thenMatches((events) =>
        expect(events.map((e) => e.data)).toEqual([expect.objectContaining({ crossingId: 'x2' })]),
      );
  });

  it('the same refusal sent again with its refusalId records nothing', () => {
    spec.given([refusalEvent()]).when(refusal()).then([]);
  });

  it('a resent refusal of a fever entry is a no-op, not CROSSING_ALREADY_REFUSED', () => {
    spec
      .given([feverEntry, refusalEvent({ reason: 'fever', crossingId: 'x1' })])
      .when(refusal({ reason: 'fever', crossingId: 'x1' }))
      .then([]);
  });

  it('the same refusalId with other content is refused, naming refusalId', () => {
    spec
      .given([refusalEvent()])
      .when(refusal({ note: '另一次劝返' }))
      .thenThrows('CROSSING_ID_REUSED');
    spec
      .given([refusalEvent()])
      .when(refusal({ reason: 'no-pass' }))
      .thenThrows('CROSSING_ID_REUSED');
    expect(() =>
      crossingDecider.decide(
        refusal({ note: 'x' }),
        [refusalEvent()].reduce(crossingDecider.evolve, crossingDecider.initialState()),
      ),
    ).toThrow(
      expect.objectContaining({ fields: [expect.objectContaining({ field: 'refusalId' })] }),
    );
  });
});
