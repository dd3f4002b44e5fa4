import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AcknowledgeEscalationSchema,
  ChangePeriodSchema,
  DeliverSuppliesSchema,
  EndHomeQuarantineSchema,
  LogSymptomCheckSchema,
  RecordCheckAttemptFailedSchema,
  RecordDisinfectionSchema,
  ReassignCallerSchema,
  ReferEscalationSchema,
  ResolveEscalationSchema,
  StartHomeQuarantineSchema,
} from '@fangyi/contracts';
import { COMMON_ERRORS } from '@fangyi/service-kit';
import { checkDeciderProperty, contractAccepts, inputOf } from '@fangyi/testkit';
import { homeQuarantineDecider, quarantineErrors } from '../src/index.ts';
import type { HomeQuarantineCommand } from '../src/homeQuarantine/commands.ts';

// Generated command sequences against the home-quarantine decider (checks, attempts, missed
// slots, escalations, reassignment, period changes, ends, supplies, breaches): only DomainErrors
// with registered codes, a refusal changes nothing, every event is one the contract accepts.

const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Parameters<typeof inputOf>[1];
const DATES = [
  '2020-01-27',
  '2020-01-28',
  '2020-01-29',
  '2020-01-30',
  '2020-02-10',
  '2020-02-12',
  '2020-03-01',
];
const vocabulary = [
  ...DATES,
  'p-moujia-1',
  '李娜',
  'moujia',
  'caller-1',
  'caller-2',
  '2020-01-29T09:00:00+08:00',
  '2020-01-29T12:30:00+08:00',
  '2020-01-29T05:00:00+08:00',
  '市一医院',
  '说明原因',
];
const date = fc.constantFrom(...DATES);
const local = fc.record({ date, minutes: fc.integer({ min: 0, max: 1439 }) });
const window = fc.record({
  opens: fc.constantFrom(360, 720),
  earlyMinutes: fc.constantFrom(0, 30),
});
const escalationId = fc.constantFrom('esc-1', 'esc-2');
const uuid = fc.uuid({ version: 7 });
const at = fc.constantFrom(
  '2020-01-29T01:00:00.000Z',
  '2020-01-29T05:00:00.000Z',
  '2020-01-30T02:00:00.000Z',
);
const caseId = 'case-1';
const callers = new Map([['moujia', ['caller-1', 'caller-2']]]);
/** What the route looked up: the person in the people directory (or nobody), a case already running, the callers. */
const facts = fc.record({
  person: fc.constantFrom(
    { community: 'moujia', status: 'living' as const },
    { community: 'moujia', status: 'moved-out' as const },
    { community: 'zhangcun', status: 'living' as const },
    null,
  ),
  activeCaseId: fc.constantFrom(null, 'case-0'),
  callers: fc.constant(callers),
});

describe('home quarantine decider under generated command sequences', () => {
  it('only refuses with a registered DomainError, and a refusal changes nothing', () => {
    const commands: fc.Arbitrary<HomeQuarantineCommand> = fc.oneof(
      fc
        .tuple(
          inputOf(StartHomeQuarantineSchema, json(StartHomeQuarantineSchema), vocabulary),
          facts,
        )
        .map(([input, f]) => ({
          type: 'StartHomeQuarantine' as const,
          data: { ...input, periodDays: input.periodDays ?? 14, caseId, facts: f },
        })),
      fc
        .tuple(
          inputOf(LogSymptomCheckSchema, json(LogSymptomCheckSchema), vocabulary),
          uuid,
          escalationId,
          date,
          local,
          window,
        )
        .map(([input, checkId, esc, today, checkedAtLocal, w]) => ({
          type: 'LogSymptomCheck' as const,
          data: {
            ...input,
            caseId,
            checkId,
            escalationId: esc,
            today,
            feverThresholdC: 37.3,
            checkedAtLocal,
            window: w,
          },
        })),
      fc
        .tuple(
          inputOf(RecordCheckAttemptFailedSchema, json(RecordCheckAttemptFailedSchema), vocabulary),
          uuid,
          at,
          date,
          local,
          window,
        )
        .map(([input, attemptId, attemptedAt, today, attemptedAtLocal, w]) => ({
          type: 'RecordCheckAttemptFailed' as const,
          data: {
            caseId,
            attemptId,
            date: input.date,
            slot: input.slot,
            reason: input.reason,
            note: input.note,
            attemptedAt,
            today,
            attemptedAtLocal,
            window: w,
          },
        })),
      fc
        .tuple(
          date,
          fc.constantFrom('am' as const, 'pm' as const),
          local,
          fc.constantFrom(720, 1260),
        )
        .map(([d, slot, asOf, closesAtMinutes]) => ({
          type: 'RecordMissedCheck' as const,
          data: { caseId, date: d, slot, asOf, closesAtMinutes },
        })),
      inputOf(ReassignCallerSchema, json(ReassignCallerSchema), vocabulary).map((input) => ({
        type: 'ReassignCaller' as const,
        data: { ...input, caseId, callers },
      })),
      inputOf(ChangePeriodSchema, json(ChangePeriodSchema), vocabulary).map((input) => ({
        type: 'ChangePeriod' as const,
        data: { ...input, caseId },
      })),
      fc
        .tuple(inputOf(EndHomeQuarantineSchema, json(EndHomeQuarantineSchema), vocabulary), date)
        .map(([input, today]) => ({
          type: 'EndHomeQuarantine' as const,
          data: {
            caseId,
            outcome: input.outcome,
            endedOn: input.endedOn ?? today,
            note: input.note,
            today,
          },
        })),
      fc
        .tuple(
          inputOf(AcknowledgeEscalationSchema, json(AcknowledgeEscalationSchema), vocabulary),
          escalationId,
          at,
        )
        .map(([input, esc, a]) => ({
          type: 'AcknowledgeEscalation' as const,
          data: { ...input, caseId, escalationId: esc, by: 'caller-1', at: a },
        })),
      fc
        .tuple(escalationId, at, at, fc.constantFrom(1, 30, 120))
        .map(([esc, raisedAt, now, overdueAfterMinutes]) => ({
          type: 'RecordEscalationOverdue' as const,
          data: { caseId, escalationId: esc, raisedAt, now, overdueAfterMinutes },
        })),
      fc
        .tuple(
          inputOf(ReferEscalationSchema, json(ReferEscalationSchema), vocabulary),
          escalationId,
          at,
        )
        .map(([input, esc, a]) => ({
          type: 'ReferEscalation' as const,
          data: { ...input, caseId, escalationId: esc, by: 'caller-1', at: a },
        })),
      fc
        .tuple(
          inputOf(ResolveEscalationSchema, json(ResolveEscalationSchema), vocabulary),
          escalationId,
          at,
        )
        .map(([input, esc, a]) => ({
          type: 'ResolveEscalation' as const,
          data: { ...input, caseId, escalationId: esc, by: 'caller-1', at: a },
        })),
      fc
        .tuple(inputOf(DeliverSuppliesSchema, json(DeliverSuppliesSchema), vocabulary), uuid, at)
        .map(([input, deliveryId, deliveredAt]) => ({
          type: 'DeliverSupplies' as const,
          data: { ...input, caseId, deliveryId, deliveredAt },
        })),
      fc
        .tuple(
          inputOf(RecordDisinfectionSchema, json(RecordDisinfectionSchema), vocabulary),
          uuid,
          at,
        )
        .map(([input, disinfectionId, a]) => ({
          type: 'RecordDisinfection' as const,
          data: { ...input, caseId, disinfectionId, at: a },
        })),
      fc
        .tuple(
          fc.constantFrom('b-1', 'b-2'),
          at,
          fc.constantFrom('entry' as const, 'exit' as const),
        )
        .map(([breachId, a, direction]) => ({
          type: 'RecordBreach' as const,
          data: {
            caseId,
            personId: 'p-moujia-1',
            breachId,
            checkpointId: 'cp-1',
            at: a,
            direction,
            sourceEventId: `src-${breachId}`,
          },
        })),
    );
    const started: fc.Arbitrary<HomeQuarantineCommand> = fc.constant({
      type: 'StartHomeQuarantine',
      data: {
        caseId,
        personId: 'p-moujia-1',
        personName: '李娜',
        community: 'moujia',
        startDate: '2020-01-28',
        periodDays: 14,
        reason: 'arrival-from-risk-area',
        assignedCaller: 'caller-1',
        facts: { person: { community: 'moujia', status: 'living' }, activeCaseId: null, callers },
      },
    });
    const report = checkDeciderProperty(homeQuarantineDecider, commands, {
      first: started,
      codes: { ...COMMON_ERRORS, ...quarantineErrors },
      validEvent: contractAccepts,
    });
    expect(report.accepted).toBeGreaterThan(report.refused / 10);
    expect(Object.keys(report.refusals).length).toBeGreaterThan(3);
  });
});
