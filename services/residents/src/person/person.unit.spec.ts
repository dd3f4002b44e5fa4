import { describe, expect, it } from 'vitest';
import { idNumberCheckChar, type PersonEvent } from '@fangyi/contracts';
import type { DomainError } from '@fangyi/service-kit';
import { deciderSpec } from '@fangyi/testkit';
import {
  lastArrivalAssessment,
  passStatus,
  personDecider,
  type HouseholdFacts,
  type PersonCommand,
} from './person.ts';

const spec = deciderSpec(personDecider);
const TODAY = '2020-02-05';

/** A valid ID number for a birth date and a sequence (odd: male, even: female). */
const idNumber = (birth: string, seq = '123') => {
  const first17 = `420106${birth.replaceAll('-', '')}${seq}`;
  return first17 + idNumberCheckChar(first17);
};
const ID = idNumber('1990-03-15', '123');

const household: HouseholdFacts = {
  householdId: 'h1',
  community: 'zhangcun',
  rentalSuspended: false,
};
const suspendedHousehold: HouseholdFacts = { ...household, rentalSuspended: true };
const otherHousehold: HouseholdFacts = {
  householdId: 'h2',
  community: 'moujia',
  rentalSuspended: false,
};

type RegisterData = Extract<PersonCommand, { type: 'RegisterPerson' }>['data'];
/** What the route hands the decider after sealing with the person's key (stand-ins: the decider never opens them). */
const SEALED = { idNumber: 'enc:v1:p1:sealed-id', phone: 'enc:v1:p1:sealed-phone' };
const register = (o: Partial<RegisterData> = {}): PersonCommand => ({
  type: 'RegisterPerson',
  data: {
    personId: 'p1',
    householdId: 'h1',
    name: '刘伟',
    idNumber: ID,
    phone: '13912345678',
    registration: 'outside',
    originProvince: '湖北',
    originCity: '武汉',
    travelHistory: [],
    today: TODAY,
    household,
    sealed: SEALED,
    ...o,
  },
});

const registeredData = {
  personId: 'p1',
  householdId: 'h1',
  community: 'zhangcun',
  name: '刘伟',
  idNumber: SEALED.idNumber,
  phone: SEALED.phone,
  sex: 'male' as const,
  birthDate: '1990-03-15',
  registration: 'outside' as const,
  originProvince: '湖北',
  originCity: '武汉',
  travelHistory: [],
};
const registered: PersonEvent = { type: 'residents.person-registered', data: registeredData };
const arrived = (arrivedOn = '2020-01-28'): PersonEvent => ({
  type: 'residents.person-arrived',
  data: {
    personId: 'p1',
    personName: '刘伟',
    householdId: 'h1',
    community: 'zhangcun',
    originProvince: '湖北',
    originCity: '武汉',
    arrivedOn,
    registration: 'outside',
  },
});
const screened = (
  o: Partial<Extract<PersonEvent, { type: 'residents.screening-recorded' }>['data']> = {},
): PersonEvent => ({
  type: 'residents.screening-recorded',
  data: {
    personId: 'p1',
    screeningId: 's1',
    householdId: 'h1',
    community: 'zhangcun',
    date: '2020-02-04',
    temperatureC: 36.5,
    symptoms: [],
    result: 'normal',
    visitedBy: 'registrar-1',
    ...o,
  },
});
const passIssued = (validUntil = '2020-02-20'): PersonEvent => ({
  type: 'residents.pass-issued',
  data: {
    personId: 'p1',
    passId: 'pass-1',
    community: 'zhangcun',
    issuedOn: '2020-02-04',
    validUntil,
    screeningId: 's1',
  },
});
const revoked = (
  reason: Extract<PersonEvent, { type: 'residents.pass-revoked' }>['data']['reason'],
): PersonEvent => ({
  type: 'residents.pass-revoked',
  data: { personId: 'p1', passId: 'pass-1', reason, revokedOn: TODAY },
});
const marked: PersonEvent = {
  type: 'residents.quarantine-marked',
  data: { personId: 'p1', caseId: 'case-1', startDate: '2020-02-05', endDate: '2020-02-18' },
};
const cleared: PersonEvent = {
  type: 'residents.quarantine-cleared',
  data: { personId: 'p1', caseId: 'case-1', endedOn: '2020-02-18', outcome: 'completed' },
};
const movedOut: PersonEvent = {
  type: 'residents.person-moved-out',
  data: {
    personId: 'p1',
    householdId: 'h1',
    community: 'zhangcun',
    movedOutOn: '2020-02-04',
    destination: '武汉',
  },
};

const screening = (
  o: Partial<Extract<PersonCommand, { type: 'RecordScreening' }>['data']> = {},
): PersonCommand => ({
  type: 'RecordScreening',
  data: {
    personId: 'p1',
    screeningId: 's2',
    date: TODAY,
    temperatureC: 36.6,
    symptoms: [],
    today: TODAY,
    visitedBy: 'registrar-1',
    feverThresholdC: 37.3,
    ...o,
  },
});
const issue = (validUntil = '2020-02-19'): PersonCommand => ({
  type: 'IssuePass',
  data: { personId: 'p1', passId: 'pass-2', validUntil, today: TODAY },
});
const arrival = (arrivedOn = '2020-02-03'): PersonCommand => ({
  type: 'RecordArrival',
  data: { personId: 'p1', arrivedOn, originProvince: '湖北', originCity: '孝感', today: TODAY },
});
const mark: PersonCommand = {
  type: 'MarkUnderQuarantine',
  data: {
    personId: 'p1',
    caseId: 'case-1',
    startDate: '2020-02-05',
    endDate: '2020-02-18',
    today: TODAY,
  },
};
const clear: PersonCommand = {
  type: 'ClearQuarantine',
  data: { personId: 'p1', caseId: 'case-1', endedOn: '2020-02-18', outcome: 'completed' },
};

/** The refusal a decider throws, for asserting its detail (the reason a pass is refused). */
function refusal(events: PersonEvent[], command: PersonCommand): DomainError {
  try {
    personDecider.decide(
      command,
      events.reduce(personDecider.evolve, personDecider.initialState()),
    );
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}

describe('RegisterPerson', () => {
  it('registers an outside person without an arrival date, taking sex and birth date from the ID number', () => {
    spec.given([]).when(register()).then([registered]);
  });

  it('reports an outside person registered with an arrival date as arrived, for the quarantine context', () => {
    spec
      .given([])
      .when(register({ arrivedOn: '2020-01-28' }))
      .then([
        {
          type: 'residents.person-registered',
          data: { ...registeredData, arrivedOn: '2020-01-28' },
        },
        arrived(),
      ]);
  });

  it('registers a local person in a household whose renting is suspended', () => {
    spec
      .given([])
      .when(
        register({
          registration: 'local',
          originProvince: undefined,
          originCity: undefined,
          household: suspendedHousehold,
        }),
      )
      .thenMatches((events) =>
        expect(events).toMatchObject([
          { type: 'residents.person-registered', data: { registration: 'local' } },
        ]),
      );
  });

  it('refuses an outside person in a household whose renting is suspended', () => {
    spec
      .given([])
      .when(register({ household: suspendedHousehold }))
      .thenThrows('RENTAL_SUSPENDED', { fields: ['householdId'] });
  });

  it('refuses an unknown household', () => {
    spec
      .given([])
      .when(register({ household: null }))
      .thenThrows('HOUSEHOLD_NOT_FOUND', { fields: ['householdId'] });
  });

  it('refuses to register the same person twice', () => {
    spec
      .given([registered])
      .when(register())
      .thenThrows('PERSON_ALREADY_EXISTS', { fields: ['personId'] });
  });

  it('refuses an arrival date after today', () => {
    spec
      .given([])
      .when(register({ arrivedOn: '2020-02-06' }))
      .thenThrows('DATE_IN_FUTURE', { fields: ['arrivedOn'] });
  });

  it('refuses an arrival date before the birth date', () => {
    spec
      .given([])
      .when(register({ arrivedOn: '1989-12-31' }))
      .thenThrows('DATE_BEFORE_BIRTH', { fields: ['arrivedOn'] });
  });

  it('refuses a birth date after today', () => {
    spec
      .given([])
      .when(register({ idNumber: idNumber('2020-03-01') }))
      .thenThrows('DATE_IN_FUTURE', { fields: ['birthDate'] });
  });

  it('refuses travel that ends after today', () => {
    spec
      .given([])
      .when(register({ travelHistory: [{ place: '武汉', from: '2020-01-20', to: '2020-02-07' }] }))
      .thenThrows('DATE_IN_FUTURE', { fields: ['travelHistory.0.to'] });
  });

  it('takes the sex of a woman from the ID number', () => {
    spec
      .given([])
      .when(register({ idNumber: idNumber('1992-07-01', '002') }))
      .thenMatches((events) =>
        expect(events[0]!.data).toMatchObject({ sex: 'female', birthDate: '1992-07-01' }),
      );
  });
});

describe('RecordArrival', () => {
  it('reports a registered person coming back from elsewhere', () => {
    spec
      .given([registered])
      .when(arrival())
      .then([
        {
          type: 'residents.person-arrived',
          data: { ...arrived('2020-02-03').data, originCity: '孝感' } as Extract<
            PersonEvent,
            { type: 'residents.person-arrived' }
          >['data'],
        },
      ]);
  });

  it('revokes a pass that rests on a screening from before the arrival', () => {
    spec
      .given([registered, screened({ date: '2020-02-01' }), passIssued()])
      .when(arrival('2020-02-03'))
      .thenMatches((events) =>
        expect(events.map((e) => e.type)).toEqual([
          'residents.person-arrived',
          'residents.pass-revoked',
        ]),
      );
    spec
      .given([registered, screened({ date: '2020-02-01' }), passIssued()])
      .when(arrival('2020-02-03'))
      .thenMatches((events) => expect(events[1]!.data).toMatchObject({ reason: 'new-arrival' }));
  });

  it('leaves a pass that rests on a screening after an arrival entered late', () => {
    spec
      .given([registered, screened({ date: '2020-02-04' }), passIssued()])
      .when(arrival('2020-02-03'))
      .thenMatches((events) =>
        expect(events.map((e) => e.type)).toEqual(['residents.person-arrived']),
      );
  });

  it('refuses the same arrival twice', () => {
    spec
      .given([registered, arrived('2020-02-03')])
      .when({
        ...arrival(),
        data: { ...(arrival().data as object), originCity: '武汉' },
      } as PersonCommand)
      .thenThrows('ARRIVAL_ALREADY_RECORDED', { fields: ['arrivedOn'] });
  });

  it('refuses an arrival after today', () => {
    spec.given([registered]).when(arrival('2020-02-06')).thenThrows('DATE_IN_FUTURE');
  });

  it('refuses an arrival before the birth date', () => {
    spec.given([registered]).when(arrival('1980-01-01')).thenThrows('DATE_BEFORE_BIRTH');
  });

  it('refuses a person who has moved out', () => {
    spec
      .given([registered, movedOut])
      .when(arrival())
      .thenThrows('PERSON_MOVED_OUT', { fields: ['personId'] });
  });

  it('refuses an unknown person', () => {
    spec
      .given([])
      .when(arrival())
      .thenThrows('PERSON_NOT_FOUND', { fields: ['personId'] });
  });
});

describe('MoveIn', () => {
  const moveIn = (
    o: Partial<Extract<PersonCommand, { type: 'MoveIn' }>['data']> = {},
  ): PersonCommand => ({
    type: 'MoveIn',
    data: {
      personId: 'p1',
      householdId: 'h2',
      movedInOn: '2020-02-04',
      today: TODAY,
      household: otherHousehold,
      ...o,
    },
  });

  it('moves a person to another household, into its community', () => {
    spec
      .given([registered])
      .when(moveIn())
      .then([
        {
          type: 'residents.person-moved-in',
          data: {
            personId: 'p1',
            fromHouseholdId: 'h1',
            householdId: 'h2',
            community: 'moujia',
            movedInOn: '2020-02-04',
          },
        },
      ]);
  });

  it('brings back a person who had moved out, who may then be screened again', () => {
    const back: PersonEvent = {
      type: 'residents.person-moved-in',
      data: {
        personId: 'p1',
        fromHouseholdId: 'h1',
        householdId: 'h2',
        community: 'moujia',
        movedInOn: TODAY,
      },
    };
    spec
      .given([registered, movedOut])
      .when(moveIn({ movedInOn: TODAY }))
      .then([back]);
    spec
      .given([registered, movedOut, back])
      .when(screening())
      .thenMatches((events) =>
        expect(events[0]).toMatchObject({ data: { householdId: 'h2', community: 'moujia' } }),
      );
  });

  it('refuses the household the person already lives in', () => {
    spec
      .given([registered])
      .when(moveIn({ householdId: 'h1', household }))
      .thenThrows('ALREADY_IN_HOUSEHOLD', { fields: ['householdId'] });
  });

  it('refuses an outside person moving into a household whose renting is suspended', () => {
    spec
      .given([registered])
      .when(moveIn({ household: { ...otherHousehold, rentalSuspended: true } }))
      .thenThrows('RENTAL_SUSPENDED', { fields: ['householdId'] });
  });

  it('refuses an unknown household', () => {
    spec
      .given([registered])
      .when(moveIn({ household: null }))
      .thenThrows('HOUSEHOLD_NOT_FOUND');
  });

  it('refuses a move-in date after today', () => {
    spec
      .given([registered])
      .when(moveIn({ movedInOn: '2020-02-06' }))
      .thenThrows('DATE_IN_FUTURE', { fields: ['movedInOn'] });
  });

  it('refuses an unknown person', () => {
    spec.given([]).when(moveIn()).thenThrows('PERSON_NOT_FOUND');
  });
});

describe('MoveOut', () => {
  const moveOut: PersonCommand = {
    type: 'MoveOut',
    data: { personId: 'p1', movedOutOn: '2020-02-04', destination: '武汉', today: TODAY },
  };

  it('records the move out', () => {
    spec.given([registered]).when(moveOut).then([movedOut]);
  });

  it('revokes a valid pass of someone who moves out', () => {
    spec
      .given([registered, screened(), passIssued()])
      .when(moveOut)
      .then([movedOut, revoked('moved-out')]);
  });

  it('refuses a second move out', () => {
    spec.given([registered, movedOut]).when(moveOut).thenThrows('PERSON_MOVED_OUT');
  });

  it('refuses a move-out date after today', () => {
    spec
      .given([registered])
      .when({ type: 'MoveOut', data: { personId: 'p1', movedOutOn: '2020-02-09', today: TODAY } })
      .thenThrows('DATE_IN_FUTURE', { fields: ['movedOutOn'] });
  });

  it('refuses an unknown person', () => {
    spec.given([]).when(moveOut).thenThrows('PERSON_NOT_FOUND');
  });
});

describe('RecordScreening', () => {
  it('records a normal screening with who visited', () => {
    spec
      .given([registered])
      .when(screening())
      .then([screened({ screeningId: 's2', date: TODAY, temperatureC: 36.6 })]);
  });

  it('counts 37.3 °C as abnormal', () => {
    spec
      .given([registered])
      .when(screening({ temperatureC: 37.3 }))
      .thenMatches((events) => expect(events[0]!.data).toMatchObject({ result: 'abnormal' }));
  });

  it('counts any symptom as abnormal, even without fever', () => {
    spec
      .given([registered])
      .when(screening({ temperatureC: 36.4, symptoms: ['cough', 'cough'] }))
      .thenMatches((events) =>
        expect(events[0]!.data).toMatchObject({ result: 'abnormal', symptoms: ['cough'] }),
      );
  });

  it('revokes a valid pass when the screening is abnormal', () => {
    spec
      .given([registered, screened(), passIssued()])
      .when(screening({ temperatureC: 38.1 }))
      .thenMatches((events) => expect(events[1]).toEqual(revoked('abnormal-screening')));
  });

  it('revokes nothing when the pass has already expired', () => {
    spec
      .given([registered, screened(), passIssued('2020-02-04')])
      .when(screening({ temperatureC: 38.1 }))
      .thenMatches((events) => expect(events).toHaveLength(1));
  });

  it('refuses the same screening sent twice', () => {
    spec
      .given([registered, screened({ date: TODAY, temperatureC: 36.6 })])
      .when(screening())
      .thenThrows('SCREENING_ALREADY_RECORDED', { fields: ['date'] });
  });

  it('takes a second screening the same day with another reading', () => {
    spec
      .given([registered, screened({ date: TODAY, temperatureC: 36.6 })])
      .when(screening({ temperatureC: 36.8 }))
      .thenMatches((events) => expect(events).toHaveLength(1));
  });

  it('refuses a screening dated after today', () => {
    spec
      .given([registered])
      .when(screening({ date: '2020-02-06' }))
      .thenThrows('DATE_IN_FUTURE', { fields: ['date'] });
  });

  it('refuses a temperature outside 34–43 °C', () => {
    spec
      .given([registered])
      .when(screening({ temperatureC: 44 }))
      .thenThrows('TEMPERATURE_OUT_OF_RANGE', { fields: ['temperatureC'] });
  });

  it('refuses a person who has moved out', () => {
    spec.given([registered, movedOut]).when(screening()).thenThrows('PERSON_MOVED_OUT');
  });

  it('refuses an unknown person', () => {
    spec.given([]).when(screening()).thenThrows('PERSON_NOT_FOUND');
  });
});

describe('IssuePass', () => {
  it('issues a pass on a normal latest screening', () => {
    spec
      .given([registered, screened()])
      .when(issue())
      .then([
        {
          type: 'residents.pass-issued',
          data: {
            personId: 'p1',
            passId: 'pass-2',
            community: 'zhangcun',
            issuedOn: TODAY,
            validUntil: '2020-02-19',
            screeningId: 's1',
          },
        },
      ]);
  });

  it('refuses a person never screened', () => {
    const error = refusal([registered], issue());
    expect(error.code).toBe('PASS_NOT_ALLOWED');
    expect(error.detail).toMatch(/^not-screened/);
  });

  it('refuses when the latest screening is abnormal', () => {
    const error = refusal(
      [
        registered,
        screened(),
        screened({ screeningId: 's2', date: TODAY, temperatureC: 37.5, result: 'abnormal' }),
      ],
      issue(),
    );
    expect(error.code).toBe('PASS_NOT_ALLOWED');
    expect(error.detail).toMatch(/^latest-screening-abnormal/);
  });

  it('goes by the latest date, not the order of entry: an older abnormal screening entered late does not count', () => {
    spec
      .given([
        registered,
        screened({ date: '2020-02-04' }),
        screened({ screeningId: 's0', date: '2020-02-01', temperatureC: 38, result: 'abnormal' }),
      ])
      .when(issue())
      .thenMatches((events) => expect(events[0]!.data).toMatchObject({ screeningId: 's1' }));
  });

  it('refuses a person under home quarantine', () => {
    const error = refusal([registered, screened(), marked], issue());
    expect(error.code).toBe('PASS_NOT_ALLOWED');
    expect(error.detail).toMatch(/^under-quarantine/);
    // The decider names the domain fact; the route makes it params.personId.
    expect(error.fields).toEqual([{ field: 'personId', message: 'under-quarantine' }]);
  });

  it('issues again once the quarantine has ended', () => {
    spec
      .given([registered, screened(), marked, cleared])
      .when(issue())
      .thenMatches((events) => expect(events[0]!.type).toBe('residents.pass-issued'));
  });

  it('refuses when the latest screening was before the last arrival', () => {
    const error = refusal(
      [registered, screened({ date: '2020-02-01' }), arrived('2020-02-03')],
      issue(),
    );
    expect(error.code).toBe('PASS_NOT_ALLOWED');
    expect(error.detail).toMatch(/^screened-before-arrival/);
  });

  it('refuses while a pass is still valid', () => {
    spec
      .given([registered, screened(), passIssued()])
      .when(issue())
      .thenThrows('PASS_ALREADY_ACTIVE', { fields: ['personId'] });
  });

  it('issues a new pass once the old one has expired', () => {
    spec
      .given([registered, screened(), passIssued('2020-02-04')])
      .when(issue())
      .thenMatches((events) => expect(events[0]!.type).toBe('residents.pass-issued'));
  });

  it('refuses a pass that ends before today', () => {
    spec
      .given([registered, screened()])
      .when(issue('2020-02-04'))
      .thenThrows('PASS_VALIDITY_INVALID', { fields: ['validUntil'] });
  });

  it('refuses a pass valid for more than 30 days', () => {
    spec
      .given([registered, screened()])
      .when(issue('2020-03-06'))
      .thenThrows('PASS_VALIDITY_INVALID');
    spec
      .given([registered, screened()])
      .when(issue('2020-03-05'))
      .thenMatches((events) => expect(events).toHaveLength(1));
  });

  it('refuses a person who has moved out', () => {
    spec.given([registered, screened(), movedOut]).when(issue()).thenThrows('PERSON_MOVED_OUT');
  });

  it('refuses an unknown person', () => {
    spec.given([]).when(issue()).thenThrows('PERSON_NOT_FOUND');
  });
});

describe('RevokePass', () => {
  const revoke: PersonCommand = {
    type: 'RevokePass',
    data: { personId: 'p1', reason: 'lost', note: '本人报失', today: TODAY },
  };

  it('revokes a valid pass, saying why', () => {
    spec
      .given([registered, screened(), passIssued()])
      .when(revoke)
      .then([
        {
          type: 'residents.pass-revoked',
          data: {
            personId: 'p1',
            passId: 'pass-1',
            reason: 'lost',
            note: '本人报失',
            revokedOn: TODAY,
          },
        },
      ]);
  });

  it('refuses when there is no pass', () => {
    spec
      .given([registered])
      .when(revoke)
      .thenThrows('NO_ACTIVE_PASS', { fields: ['personId'] });
  });

  it('refuses a pass already revoked', () => {
    spec
      .given([registered, screened(), passIssued(), revoked('misuse')])
      .when(revoke)
      .thenThrows('NO_ACTIVE_PASS');
  });

  it('refuses an expired pass', () => {
    spec
      .given([registered, screened(), passIssued('2020-02-04')])
      .when(revoke)
      .thenThrows('NO_ACTIVE_PASS');
  });

  it('refuses an unknown person', () => {
    spec.given([]).when(revoke).thenThrows('PERSON_NOT_FOUND');
  });
});

describe('pass expiry (computed, not recorded)', () => {
  it('is valid through its last day and expired the day after', () => {
    const pass = {
      passId: 'x',
      issuedOn: '2020-02-01',
      validUntil: '2020-02-10',
      screeningId: 's',
      screeningDate: '2020-02-01',
      revoked: null,
    };
    expect(passStatus(pass, '2020-02-10')).toBe('active');
    expect(passStatus(pass, '2020-02-11')).toBe('expired');
    expect(
      passStatus({ ...pass, revoked: { reason: 'lost', on: '2020-02-05' } }, '2020-02-06'),
    ).toBe('revoked');
    expect(passStatus(null, '2020-02-06')).toBe('none');
  });
});

describe('MarkUnderQuarantine (quarantine policy)', () => {
  it('marks the person and revokes a valid pass', () => {
    spec
      .given([registered, screened(), passIssued()])
      .when(mark)
      .then([marked, revoked('home-quarantine-started')]);
  });

  it('marks a person who holds no pass', () => {
    spec.given([registered]).when(mark).then([marked]);
  });

  it('does nothing when the same case is delivered again', () => {
    spec
      .given([registered, screened(), passIssued(), marked, revoked('home-quarantine-started')])
      .when(mark)
      .then([]);
  });

  it('does nothing for a case that has already ended', () => {
    spec.given([registered, marked, cleared]).when(mark).then([]);
  });

  it('refuses an unknown person', () => {
    spec.given([]).when(mark).thenThrows('PERSON_NOT_FOUND');
  });
});

describe('ClearQuarantine (quarantine policy)', () => {
  it('clears the mark', () => {
    spec.given([registered, marked]).when(clear).then([cleared]);
  });

  it('does nothing when delivered again', () => {
    spec.given([registered, marked, cleared]).when(clear).then([]);
  });

  it('does nothing for a case the person was never marked for', () => {
    spec.given([registered]).when(clear).then([]);
  });

  it('keeps the person under quarantine while another case is still under way', () => {
    const second: PersonEvent = {
      type: 'residents.quarantine-marked',
      data: { personId: 'p1', caseId: 'case-2', startDate: '2020-02-05' },
    };
    const error = refusal([registered, screened(), marked, second, cleared], issue());
    expect(error.detail).toMatch(/^under-quarantine/);
  });

  it('refuses an unknown person', () => {
    spec.given([]).when(clear).thenThrows('PERSON_NOT_FOUND');
  });
});

describe('RecordQuarantineAssessment (from the quarantine policy)', () => {
  const assessment = {
    personId: 'p1',
    arrivedOn: '2020-01-28',
    originProvince: '湖北',
    originCity: '武汉',
    outcome: 'no-home-quarantine' as const,
    reason: 'period-already-over' as const,
    note: 'arrival assessed: no home quarantine, the 14 days were already over',
    assessmentEventId: 'ev-1',
  };
  const record: PersonCommand = { type: 'RecordQuarantineAssessment', data: assessment };
  const assessed: PersonEvent = { type: 'residents.quarantine-assessed', data: assessment };
  const fold = (events: PersonEvent[]) =>
    events.reduce(personDecider.evolve, personDecider.initialState());

  it('records the decision on an arrival once: a redelivery records nothing', () => {
    spec.given([registered, arrived()]).when(record).then([assessed]);
    spec
      .given([registered, arrived(), assessed])
      .when({
        type: 'RecordQuarantineAssessment',
        data: { ...assessment, assessmentEventId: 'ev-2' },
      })
      .then([]);
  });

  it("shows the last arrival's assessment: pending until recorded, then the decision; a later arrival is pending again", () => {
    const before = fold([registered, arrived()]);
    expect(before.status !== 'none' && lastArrivalAssessment(before)).toMatchObject({
      status: 'pending',
      arrivedOn: '2020-01-28',
    });
    const after = fold([registered, arrived(), assessed]);
    expect(after.status !== 'none' && lastArrivalAssessment(after)).toMatchObject({
      status: 'assessed',
      reason: 'period-already-over',
    });
    const again = fold([registered, arrived(), assessed, arrived('2020-02-03')]);
    expect(again.status !== 'none' && lastArrivalAssessment(again)).toMatchObject({
      status: 'pending',
      arrivedOn: '2020-02-03',
    });
    const none = fold([registered]);
    expect(none.status !== 'none' && lastArrivalAssessment(none)).toBeNull();
  });
});

describe('ForgetPerson', () => {
  const forget: PersonCommand = {
    type: 'ForgetPerson',
    data: { personId: 'p1', reason: 'subject-request', today: TODAY },
  };
  const forgotten: PersonEvent = {
    type: 'residents.person-forgotten',
    data: { personId: 'p1', community: 'zhangcun', reason: 'subject-request', forgottenOn: TODAY },
  };

  it('records that the person was forgotten, with the reason and none of their numbers', () => {
    spec.given([registered]).when(forget).then([forgotten]);
  });

  it('records nothing more for a person forgotten already', () => {
    spec.given([registered, forgotten]).when(forget).then([]);
  });

  it('refuses new facts about a forgotten person, who keeps their history', () => {
    spec
      .given([registered, forgotten])
      .when({
        type: 'RecordArrival',
        data: {
          personId: 'p1',
          arrivedOn: TODAY,
          originProvince: '湖北',
          originCity: '武汉',
          today: TODAY,
        },
      })
      .thenThrows('PERSON_FORGOTTEN', { fields: ['personId'] });
  });

  it('refuses an unknown person', () => {
    spec
      .given([])
      .when(forget)
      .thenThrows('PERSON_NOT_FOUND', { fields: ['personId'] });
  });
});
