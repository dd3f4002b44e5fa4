import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  FORGET_REASONS,
  IssuePassSchema,
  LiftRentalSuspensionSchema,
  MoveInSchema,
  MoveOutSchema,
  RecordArrivalSchema,
  RecordScreeningSchema,
  RegisterHouseholdSchema,
  RegisterPersonSchema,
  RevokePassSchema,
  SuspendRentalSchema,
  idNumberCheckChar,
} from '@fangyi/contracts';
import { COMMON_ERRORS } from '@fangyi/service-kit';
import { checkDeciderProperty, contractAccepts, inputOf } from '@fangyi/testkit';
import { householdDecider, householdErrors, personDecider, personErrors } from '../src/index.ts';
import type { HouseholdCommand } from '../src/household/household.ts';
import type { PersonCommand } from '../src/person/person.ts';

// Generated command sequences against the residents deciders: only DomainErrors with registered
// codes, a refusal returns no events and changes nothing, and every event is one the contract accepts.

const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Parameters<typeof inputOf>[1];
const idNumber = (n: number) => {
  const first17 = `42010619900315${String(n).padStart(3, '0')}`;
  return first17 + idNumberCheckChar(first17);
};
const DATES = [
  '1990-03-15',
  '2020-01-20',
  '2020-01-28',
  '2020-02-01',
  '2020-02-05',
  '2020-02-06',
  '2020-02-19',
  '2020-03-10',
  '2021-01-01',
];
const vocabulary = [
  ...DATES,
  'zhangcun',
  'moujia',
  'zhangcun-03',
  'h1',
  'h2',
  '张村河路12号',
  '刘伟',
  '湖北',
  '武汉',
  idNumber(1),
  idNumber(2),
  '13912345678',
  'fever',
  'cough',
  'c-1',
  '说明',
];
const date = fc.constantFrom(...DATES);
const household = fc.option(
  fc.record({
    householdId: fc.constantFrom('h1', 'h2'),
    community: fc.constantFrom('zhangcun', 'moujia'),
    rentalSuspended: fc.boolean(),
  }),
  { nil: null },
);
const uuid = fc.uuid({ version: 7 });

describe('residents deciders under generated command sequences', () => {
  it('household: registers, suspends and lifts renting, or refuses with a registered DomainError', () => {
    const householdId = 'h1';
    const commands: fc.Arbitrary<HouseholdCommand> = fc.oneof(
      inputOf(RegisterHouseholdSchema, json(RegisterHouseholdSchema), vocabulary).map((input) => ({
        type: 'RegisterHousehold' as const,
        data: { ...input, householdId },
      })),
      fc
        .tuple(inputOf(SuspendRentalSchema, json(SuspendRentalSchema), vocabulary), date)
        .map(([input, today]) => ({
          type: 'SuspendRental' as const,
          data: { ...input, householdId, today },
        })),
      fc
        .tuple(
          inputOf(LiftRentalSuspensionSchema, json(LiftRentalSuspensionSchema), vocabulary),
          date,
          fc.option(fc.constantFrom('c-1', 'c-2'), { nil: undefined }),
        )
        .map(([input, today, only]) => ({
          type: 'LiftRentalSuspension' as const,
          data: { ...input, householdId, today, ...(only ? { onlyForComplaintId: only } : {}) },
        })),
    );
    const registered = fc.constantFrom('rental' as const, 'owner-occupied' as const).map(
      (kind): HouseholdCommand => ({
        type: 'RegisterHousehold',
        data: {
          householdId,
          community: 'zhangcun',
          grid: 'zhangcun-03',
          address: '张村河路12号',
          kind,
        },
      }),
    );
    const report = checkDeciderProperty(householdDecider, commands, {
      first: registered,
      codes: { ...COMMON_ERRORS, ...householdErrors },
      validEvent: contractAccepts,
    });
    expect(report.accepted).toBeGreaterThan(0);
    expect(report.refused).toBeGreaterThan(0);
  });

  it('person: registration, arrivals, moves, screenings, passes, quarantine marks and forgetting, or a registered refusal', () => {
    const personId = 'p1';
    // The route seals both numbers with the person's key before the decider runs: the events hold these.
    const sealed = {
      idNumber: 'enc:v1:p1:AAAAAAAAAAAAAAAA:aWQ:AAAAAAAAAAAAAAAAAAAAAA',
      phone: 'enc:v1:p1:BBBBBBBBBBBBBBBB:cGg:AAAAAAAAAAAAAAAAAAAAAA',
    };
    const commands: fc.Arbitrary<PersonCommand> = fc.oneof(
      fc
        .tuple(
          inputOf(RegisterPersonSchema, json(RegisterPersonSchema), vocabulary),
          date,
          household,
        )
        .map(([input, today, h]) => ({
          type: 'RegisterPerson' as const,
          data: { ...input, personId, today, household: h, sealed },
        })),
      fc
        .tuple(inputOf(RecordArrivalSchema, json(RecordArrivalSchema), vocabulary), date)
        .map(([input, today]) => ({
          type: 'RecordArrival' as const,
          data: { ...input, personId, today },
        })),
      fc
        .tuple(inputOf(MoveInSchema, json(MoveInSchema), vocabulary), date, household)
        .map(([input, today, h]) => ({
          type: 'MoveIn' as const,
          data: { ...input, personId, today, household: h },
        })),
      fc
        .tuple(inputOf(MoveOutSchema, json(MoveOutSchema), vocabulary), date)
        .map(([input, today]) => ({
          type: 'MoveOut' as const,
          data: { ...input, personId, today },
        })),
      fc
        .tuple(inputOf(RecordScreeningSchema, json(RecordScreeningSchema), vocabulary), date, uuid)
        .map(([input, today, screeningId]) => ({
          type: 'RecordScreening' as const,
          data: {
            ...input,
            personId,
            today,
            screeningId,
            visitedBy: 'registrar-1',
            feverThresholdC: 37.3,
          },
        })),
      fc
        .tuple(inputOf(IssuePassSchema, json(IssuePassSchema), vocabulary), date, uuid)
        .map(([input, today, passId]) => ({
          type: 'IssuePass' as const,
          data: { ...input, personId, today, passId },
        })),
      fc
        .tuple(inputOf(RevokePassSchema, json(RevokePassSchema), vocabulary), date)
        .map(([input, today]) => ({
          type: 'RevokePass' as const,
          data: { ...input, personId, today },
        })),
      fc
        .tuple(fc.constantFrom('case-1', 'case-2'), date, fc.option(date, { nil: undefined }), date)
        .map(([caseId, startDate, endDate, today]) => ({
          type: 'MarkUnderQuarantine' as const,
          data: { personId, caseId, startDate, ...(endDate ? { endDate } : {}), today },
        })),
      fc
        .tuple(
          fc.constantFrom('case-1', 'case-2'),
          date,
          fc.constantFrom('released', 'hospitalised'),
        )
        .map(([caseId, endedOn, outcome]) => ({
          type: 'ClearQuarantine' as const,
          data: { personId, caseId, endedOn, outcome },
        })),
      fc.tuple(fc.constantFrom(...FORGET_REASONS), date).map(([reason, today]) => ({
        type: 'ForgetPerson' as const,
        data: { personId, reason, today },
      })),
    );
    const registered = fc.constantFrom('local' as const, 'outside' as const).map(
      (registration): PersonCommand => ({
        type: 'RegisterPerson',
        data: {
          householdId: 'h1',
          name: '刘伟',
          idNumber: idNumber(1),
          phone: '13912345678',
          registration,
          ...(registration === 'outside'
            ? { originProvince: '湖北', originCity: '武汉', arrivedOn: '2020-01-28' }
            : {}),
          travelHistory: [],
          personId,
          today: '2020-02-01',
          household: { householdId: 'h1', community: 'zhangcun', rentalSuspended: false },
          sealed,
        },
      }),
    );
    const report = checkDeciderProperty(personDecider, commands, {
      first: registered,
      codes: { ...COMMON_ERRORS, ...householdErrors, ...personErrors },
      validEvent: contractAccepts,
    });
    expect(report.accepted).toBeGreaterThan(report.refused / 10);
    expect(Object.keys(report.refusals).length).toBeGreaterThan(3);
  });
});
