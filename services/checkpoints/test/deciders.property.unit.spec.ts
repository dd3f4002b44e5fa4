import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CloseCheckpointSchema,
  EndShiftSchema,
  OpenCheckpointSchema,
  RecordCrossingSchema,
  RecordRefusalSchema,
  StartShiftSchema,
} from '@fangyi/contracts';
import { COMMON_ERRORS } from '@fangyi/service-kit';
import { checkDeciderProperty, contractAccepts, inputOf } from '@fangyi/testkit';
import { checkpointDecider, checkpointsErrors, crossingDecider } from '../src/index.ts';
import type { CheckpointCommand } from '../src/checkpoint/checkpoint.ts';
import type {
  CheckpointSnapshot,
  CrossingCommand,
  CrossingIdentity,
} from '../src/crossings/crossings.ts';

// Generated command sequences against the checkpoint and the day's crossings deciders: only
// DomainErrors with registered codes, a refusal changes nothing, every event is one the contract accepts.

const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Parameters<typeof inputOf>[1];
const INSTANTS = [
  '2020-01-28T22:00:00+08:00',
  '2020-01-29T08:00:00+08:00',
  '2020-01-29T11:50:00+08:00',
  '2020-01-29T20:00:00+08:00',
  '2020-01-30T08:00:00+08:00',
];
const vocabulary = [
  ...INSTANTS,
  'zhangcun',
  'moujia',
  '张村东口',
  '张村东路与枯桃路交口',
  '王芳',
  'p-zc-1',
  'ZC-0012',
  '420106199001010044',
  's1',
  's2',
  '交班说明',
  'c-1',
  'c-2',
];
const at = fc.constantFrom(...INSTANTS).map((v) => new Date(v).toISOString());
const now = fc.constantFrom('2020-01-29T04:00:00.000Z', '2020-01-29T12:00:00.000Z');
const codes = { ...COMMON_ERRORS, ...checkpointsErrors };

describe('checkpoint deciders under generated command sequences', () => {
  it('checkpoint: opens, shifts, merges and closes, or a registered refusal that changes nothing', () => {
    const checkpointId = 'cp-1';
    const commands: fc.Arbitrary<CheckpointCommand> = fc.oneof(
      fc
        .tuple(
          inputOf(OpenCheckpointSchema, json(OpenCheckpointSchema), vocabulary),
          at,
          fc.option(fc.constant(['cp-2', 'cp-3']), { nil: undefined }),
        )
        .map(([input, a, mergedFrom]) => ({
          type: 'OpenCheckpoint' as const,
          data: {
            ...input,
            checkpointId,
            communities: input.communities.map((community) => ({ community, district: 'kutao' })),
            at: a,
            ...(mergedFrom ? { mergedFrom } : {}),
          },
        })),
      fc.tuple(fc.constantFrom('cp-9', 'cp-1'), at).map(([mergedInto, a]) => ({
        type: 'MarkMergedInto' as const,
        data: { checkpointId, mergedInto, at: a },
      })),
      fc
        .tuple(inputOf(CloseCheckpointSchema, json(CloseCheckpointSchema), vocabulary), at)
        .map(([input, a]) => ({
          type: 'CloseCheckpoint' as const,
          data: { ...input, checkpointId, at: a },
        })),
      fc
        .tuple(
          inputOf(StartShiftSchema, json(StartShiftSchema), vocabulary),
          fc.constantFrom('sh-1', 'sh-2', 'sh-3'),
          now,
        )
        .map(([input, shiftId, n]) => ({
          type: 'StartShift' as const,
          data: {
            ...input,
            startedAt: new Date(input.startedAt).toISOString(),
            checkpointId,
            shiftId,
            now: n,
          },
        })),
      fc
        .tuple(inputOf(EndShiftSchema, json(EndShiftSchema), vocabulary), now)
        .map(([input, n]) => ({
          type: 'EndShift' as const,
          data: { ...input, endedAt: new Date(input.endedAt).toISOString(), checkpointId, now: n },
        })),
    );
    const opened: fc.Arbitrary<CheckpointCommand> = fc.constant({
      type: 'OpenCheckpoint',
      data: {
        checkpointId,
        name: '张村东口',
        location: '张村东路与枯桃路交口',
        communities: [{ community: 'zhangcun', district: 'kutao' }],
        kind: 'road',
        staffedHours: 24,
        at: '2020-01-28T14:00:00.000Z',
      },
    });
    const report = checkDeciderProperty(checkpointDecider, commands, {
      first: opened,
      codes,
      validEvent: contractAccepts,
    });
    expect(report.accepted).toBeGreaterThan(report.refused / 10);
    expect(Object.keys(report.refusals).length).toBeGreaterThan(2);
  });

  it("crossings: a day's entries, exits and refusals, or a registered refusal that changes nothing", () => {
    const context = { checkpointId: 'cp-1', date: '2020-01-29' };
    const snapshot: fc.Arbitrary<CheckpointSnapshot> = fc.oneof(
      { weight: 4, arbitrary: fc.constant({ status: 'open' as const, openShiftId: 'sh-1' }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<CheckpointSnapshot>(
          { status: 'open', openShiftId: null },
          { status: 'closed' },
          { status: 'none' },
        ),
      },
    );
    const ids = fc.constantFrom(
      '0170000a-0000-7000-8000-000000000001',
      '0170000a-0000-7000-8000-000000000002',
      '0170000a-0000-7000-8000-000000000003',
    );
    // What the route looked up in the residents directory: known, unknown, or not named at all.
    const identity: fc.Arbitrary<CrossingIdentity> = fc.record({
      person: fc.constantFrom<CrossingIdentity['person']>(
        'not-named',
        'unknown',
        { personId: 'p-zc-1' },
        { personId: 'p-zc-2' },
      ),
      pass: fc.constantFrom<CrossingIdentity['pass']>('not-named', 'unknown', {
        passId: 'ZC-0012',
        personId: 'p-zc-1',
      }),
    });
    const crossing = fc
      .tuple(
        inputOf(RecordCrossingSchema, json(RecordCrossingSchema), vocabulary),
        snapshot,
        ids,
        fc.constantFrom('b-1', 'b-2'),
        now,
        fc.option(fc.constant({ caseId: 'case-1' }), { nil: null }),
        identity,
      )
      .map(([input, checkpoint, crossingId, breachId, n, underQuarantine, who]) => {
        const { crossingId: _c, ...rest } = input;
        return {
          ...rest,
          ...context,
          at: new Date(input.at).toISOString(),
          checkpoint,
          crossingId,
          breachId,
          now: n,
          underQuarantine,
          identity: who,
          feverThresholdC: 37.3,
        };
      });
    const commands: fc.Arbitrary<CrossingCommand> = fc.oneof(
      crossing.map((data) => ({ type: 'RecordEntry' as const, data })),
      crossing.map((data) => ({ type: 'RecordExit' as const, data })),
      fc
        .tuple(
          inputOf(RecordRefusalSchema, json(RecordRefusalSchema), [
            ...vocabulary,
            '0170000a-0000-7000-8000-000000000001',
          ]),
          snapshot,
          ids,
          now,
          identity,
        )
        .map(([input, checkpoint, refusalId, n, who]) => {
          const { refusalId: _r, ...rest } = input as typeof input & { refusalId?: string };
          return {
            type: 'RecordRefusal' as const,
            data: {
              ...rest,
              ...context,
              at: new Date(input.at).toISOString(),
              checkpoint,
              refusalId,
              now: n,
              identity: who,
            },
          };
        }),
    );
    const report = checkDeciderProperty(crossingDecider, commands, {
      codes,
      validEvent: contractAccepts,
    });
    expect(report.accepted).toBeGreaterThan(report.refused / 10);
    expect(Object.keys(report.refusals).length).toBeGreaterThan(2);
  });
});
