import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AddInvestigationNoteSchema,
  CloseComplaintSchema,
  FileComplaintSchema,
  ReopenComplaintSchema,
  ReplyToReporterSchema,
  ResolveComplaintSchema,
  TriageComplaintSchema,
} from '@fangyi/contracts';
import { COMMON_ERRORS } from '@fangyi/service-kit';
import { checkDeciderProperty, contractAccepts, inputOf } from '@fangyi/testkit';
import { complaintDecider, complaintsErrors, type ComplaintCommand } from '../src/index.ts';

// Generated command sequences against the complaint decider (file, triage, notes, resolve with
// fines and rewards, replies, close, reopen): only DomainErrors with registered codes, a refusal
// changes nothing, every event is one the contract accepts.

const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Parameters<typeof inputOf>[1];
const INSTANTS = [
  '2020-02-03T08:00:00+08:00',
  '2020-02-03T09:00:00+08:00',
  '2020-02-03T10:00:00+08:00',
  '2020-02-04T09:00:00+08:00',
];
const vocabulary = [
  ...INSTANTS,
  'kutao',
  'taoyuanju',
  'handler-kutao',
  'h-kutao-3-102',
  'c-2',
  '张伟',
  '13912345678',
  '3号楼102户',
  '查实',
  '重复',
];
const at = fc.constantFrom(...INSTANTS).map((v) => new Date(v).toISOString());
const now = fc.constantFrom('2020-02-03T01:30:00.000Z', '2020-02-04T03:00:00.000Z');
const uuid = fc.uuid({ version: 7 });
const complaintId = 'c-1';
/** What the route looked up: the household named, from the residents directory (null: none registered), and who handles where. */
const household = fc.constantFrom(
  { householdId: 'h-kutao-3-102', community: 'kutao', estate: null },
  { householdId: 'h-moujia-1', community: 'moujia', estate: null },
  null,
);
const handlers = new Map([
  ['kutao', ['handler-kutao']],
  ['taoyuanju', ['officer-taoyuanju']],
]);

describe('complaint decider under generated command sequences', () => {
  it('only refuses with a registered DomainError, and a refusal changes nothing', () => {
    const commands: fc.Arbitrary<ComplaintCommand> = fc.oneof(
      fc
        .tuple(
          inputOf(FileComplaintSchema, json(FileComplaintSchema), vocabulary),
          fc.constantFrom(2, 24, 72),
          now,
          household,
        )
        .map(([input, replyWithinHours, n, subjectHousehold]) => ({
          type: 'FileComplaint' as const,
          data: { ...input, complaintId, replyWithinHours, now: n, subjectHousehold },
        })),
      inputOf(TriageComplaintSchema, json(TriageComplaintSchema), vocabulary).map((input) => ({
        type: 'TriageComplaint' as const,
        data: { ...input, complaintId, handlers },
      })),
      fc
        .tuple(
          inputOf(AddInvestigationNoteSchema, json(AddInvestigationNoteSchema), vocabulary),
          uuid,
          at,
          now,
        )
        .map(([input, noteId, a, n]) => ({
          type: 'AddInvestigationNote' as const,
          data: { note: input.note, complaintId, noteId, at: a, now: n },
        })),
      fc
        .tuple(
          inputOf(ResolveComplaintSchema, json(ResolveComplaintSchema), vocabulary),
          fc.option(fc.constant({ fineYuan: 5000, rewardYuan: 4000 }), { nil: null }),
          household,
        )
        .map(([input, rentalBan, h]) => ({
          type: 'ResolveComplaint' as const,
          data: { ...input, complaintId, rentalBan, household: h },
        })),
      fc
        .tuple(inputOf(ReplyToReporterSchema, json(ReplyToReporterSchema), vocabulary), uuid, at)
        .map(([input, replyId, a]) => ({
          type: 'ReplyToReporter' as const,
          data: { ...input, complaintId, replyId, at: a },
        })),
      fc
        .tuple(inputOf(CloseComplaintSchema, json(CloseComplaintSchema), vocabulary), uuid, at)
        .map(([input, replyId, a]) => ({
          type: 'CloseComplaint' as const,
          data: { ...input, complaintId, replyId, at: a },
        })),
      inputOf(ReopenComplaintSchema, json(ReopenComplaintSchema), vocabulary).map((input) => ({
        type: 'ReopenComplaint' as const,
        data: { ...input, complaintId },
      })),
    );
    const filed = fc
      .constantFrom(
        { anonymous: false as const, name: '张伟', phone: '13912345678' },
        { anonymous: true as const },
      )
      .map(
        (reporter): ComplaintCommand => ({
          type: 'FileComplaint',
          data: {
            complaintId,
            channel: 'phone',
            category: 'illegal-rental',
            community: 'kutao',
            description: '3号楼102户把房子租给了外地人',
            reporter,
            subjectHouseholdId: 'h-kutao-3-102',
            receivedAt: '2020-02-03T01:00:00.000Z',
            replyWithinHours: 24,
            now: '2020-02-03T01:30:00.000Z',
            subjectHousehold: { householdId: 'h-kutao-3-102', community: 'kutao', estate: null },
          },
        }),
      );
    const report = checkDeciderProperty(complaintDecider, commands, {
      first: filed,
      codes: { ...COMMON_ERRORS, ...complaintsErrors },
      validEvent: contractAccepts,
    });
    expect(report.accepted).toBeGreaterThan(report.refused / 10);
    expect(Object.keys(report.refusals).length).toBeGreaterThan(3);
  });
});
