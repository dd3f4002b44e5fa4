import { describe, expect, it } from 'vitest';
import type { CheckpointEvent, ShiftStaff } from '@fangyi/contracts';
import { deciderSpec } from '@fangyi/testkit';
import {
  checkpointDecider,
  currentShift,
  type CheckpointCommand,
  type EndShift,
  type StartShift,
} from './checkpoint.ts';

const spec = deciderSpec(checkpointDecider);

const eastGate = [{ community: 'zhangcun', district: 'kutao' }];
const open: CheckpointCommand = {
  type: 'OpenCheckpoint',
  data: {
    checkpointId: 'cp1',
    name: '张村东口',
    location: '张村东路口',
    communities: eastGate,
    kind: 'road',
    staffedHours: 24,
    at: '2020-01-28T00:00:00.000Z',
  },
};
const opened: CheckpointEvent = {
  type: 'checkpoints.checkpoint-opened',
  data: {
    checkpointId: 'cp1',
    name: '张村东口',
    location: '张村东路口',
    communities: eastGate,
    kind: 'road',
    staffedHours: 24,
    openedAt: '2020-01-28T00:00:00.000Z',
  },
};
const staff: ShiftStaff[] = [
  { id: 's1', name: '张伟', community: 'zhangcun', role: 'community-staff' },
  { id: 's2', name: '王警官', community: 'zhangcun', role: 'police' },
];
const now = '2020-01-29T12:00:00.000Z';

const startShift = (o: Partial<StartShift['data']> = {}): StartShift => ({
  type: 'StartShift',
  data: {
    checkpointId: 'cp1',
    shiftId: 'sh2',
    staff,
    startedAt: '2020-01-29T08:00:00.000Z',
    now,
    ...o,
  },
});
const endShift = (o: Partial<EndShift['data']> = {}): EndShift => ({
  type: 'EndShift',
  data: {
    checkpointId: 'cp1',
    endedAt: '2020-01-29T10:00:00.000Z',
    handoverNote: '无异常',
    now,
    ...o,
  },
});
const shiftStarted = (
  shiftId = 'sh1',
  startedAt = '2020-01-29T00:00:00.000Z',
): CheckpointEvent => ({
  type: 'checkpoints.shift-started',
  data: { checkpointId: 'cp1', shiftId, staff, startedAt },
});
const shiftEnded = (
  shiftId = 'sh1',
  endedAt = '2020-01-29T06:00:00.000Z',
  handoverNote = '交班',
): CheckpointEvent => ({
  type: 'checkpoints.shift-ended',
  data: { checkpointId: 'cp1', shiftId, endedAt, handoverNote },
});
const closed: CheckpointEvent = {
  type: 'checkpoints.checkpoint-closed',
  data: { checkpointId: 'cp1', reason: '疫情结束', closedAt: '2020-02-20T00:00:00.000Z' },
};

describe('opening a checkpoint', () => {
  it('opens a 24-hour checkpoint with its communities and districts', () => {
    spec.given([]).when(open).then([opened]);
  });

  it('refuses to open the same id twice', () => {
    spec
      .given([opened])
      .when(open)
      .thenThrows('CHECKPOINT_ALREADY_EXISTS', { fields: ['checkpointId'] });
  });

  it('records the merged-from checkpoints of a merged one', () => {
    const merged = { ...open, data: { ...open.data, mergedFrom: ['a', 'b'] } } as CheckpointCommand;
    spec
      .given([])
      .when(merged)
      .thenMatches((events) => expect(events[0]!.data).toMatchObject({ mergedFrom: ['a', 'b'] }));
  });

  it('a retried merge finds its checkpoint opened from the same sources and does nothing', () => {
    const mergedOpened = {
      ...opened,
      data: { ...opened.data, mergedFrom: ['a', 'b'] },
    } as CheckpointEvent;
    const retry = { ...open, data: { ...open.data, mergedFrom: ['b', 'a'] } } as CheckpointCommand;
    spec.given([mergedOpened]).when(retry).then([]);
  });

  it('a merge reusing an id opened from other sources is refused', () => {
    const mergedOpened = {
      ...opened,
      data: { ...opened.data, mergedFrom: ['a', 'b'] },
    } as CheckpointEvent;
    const other = { ...open, data: { ...open.data, mergedFrom: ['a', 'c'] } } as CheckpointCommand;
    spec
      .given([mergedOpened])
      .when(other)
      .thenThrows('CHECKPOINT_ALREADY_EXISTS', { fields: ['checkpointId'] });
  });

  it.each([
    ['name', { name: '枯桃联合卡口' }],
    ['location', { location: '枯桃路北口' }],
    ['kind', { kind: 'alley' }],
    ['staffedHours', { staffedHours: 12 }],
  ] as const)(
    'a merge reusing the id with the same sources but another %s is refused, naming checkpointId and the field',
    (field, change) => {
      const mergedOpened = {
        ...opened,
        data: { ...opened.data, mergedFrom: ['a', 'b'] },
      } as CheckpointEvent;
      const other = {
        ...open,
        data: { ...open.data, ...change, mergedFrom: ['a', 'b'] },
      } as CheckpointCommand;
      spec
        .given([mergedOpened])
        .when(other)
        .thenThrows('CHECKPOINT_ALREADY_EXISTS', { fields: ['checkpointId'] });
      const state = checkpointDecider.evolve(checkpointDecider.initialState(), mergedOpened);
      expect(() => checkpointDecider.decide(other, state)).toThrow(
        expect.objectContaining({
          detail: expect.stringContaining(field),
          fields: [expect.objectContaining({ field: 'checkpointId' })],
        }),
      );
    },
  );

  it('a merge may not take over the id of a checkpoint opened on its own', () => {
    const asMerge = {
      ...open,
      data: { ...open.data, mergedFrom: ['a', 'b'] },
    } as CheckpointCommand;
    spec
      .given([opened])
      .when(asMerge)
      .thenThrows('CHECKPOINT_ALREADY_EXISTS', { fields: ['checkpointId'] });
  });

  it('refuses a merge whose sources include the new checkpoint itself', () => {
    spec
      .given([])
      .when({ ...open, data: { ...open.data, mergedFrom: ['cp1', 'b'] } } as CheckpointCommand)
      .thenThrows('MERGE_INTO_SELF', { fields: ['sources'] });
  });
});

describe('merging into another checkpoint (the follow-up step on each source)', () => {
  const mark = (mergedInto = 'joint'): CheckpointCommand => ({
    type: 'MarkMergedInto',
    data: { checkpointId: 'cp1', mergedInto, at: '2020-02-01T00:00:00.000Z' },
  });
  const mergedInto: CheckpointEvent = {
    type: 'checkpoints.checkpoint-merged-into',
    data: { checkpointId: 'cp1', mergedInto: 'joint', closedAt: '2020-02-01T00:00:00.000Z' },
  };

  it('closes an open checkpoint with mergedInto', () => {
    spec.given([opened]).when(mark()).then([mergedInto]);
    const state = [opened, mergedInto].reduce(
      checkpointDecider.evolve,
      checkpointDecider.initialState(),
    );
    expect(state).toMatchObject({ status: 'closed', mergedInto: 'joint', reason: null });
  });

  it('ends the shift on duty first, so no shift is left open on a closed checkpoint', () => {
    spec
      .given([opened, shiftStarted()])
      .when(mark())
      .thenMatches((events) => {
        expect(events.map((e) => e.type)).toEqual([
          'checkpoints.shift-ended',
          'checkpoints.checkpoint-merged-into',
        ]);
        expect(events[0]!.data).toMatchObject({
          shiftId: 'sh1',
          endedAt: '2020-02-01T00:00:00.000Z',
        });
      });
  });

  it('is idempotent: already merged into the same checkpoint appends nothing', () => {
    spec.given([opened, mergedInto]).when(mark()).then([]);
  });

  it('refuses a checkpoint already merged into another one', () => {
    spec
      .given([opened, mergedInto])
      .when(mark('elsewhere'))
      .thenThrows('CHECKPOINT_ALREADY_MERGED', { fields: ['checkpointId'] });
  });

  it('refuses a checkpoint that was closed', () => {
    spec
      .given([opened, closed])
      .when(mark())
      .thenThrows('CHECKPOINT_CLOSED', { fields: ['checkpointId'] });
  });

  it('refuses an unknown checkpoint', () => {
    spec
      .given([])
      .when(mark())
      .thenThrows('CHECKPOINT_NOT_FOUND', { fields: ['checkpointId'] });
  });

  it('refuses merging a checkpoint into itself', () => {
    spec
      .given([opened])
      .when(mark('cp1'))
      .thenThrows('MERGE_INTO_SELF', { fields: ['checkpointId'] });
  });
});

describe('closing a checkpoint', () => {
  const close: CheckpointCommand = {
    type: 'CloseCheckpoint',
    data: { checkpointId: 'cp1', reason: '疫情结束', at: '2020-02-20T00:00:00.000Z' },
  };

  it('closes an open checkpoint with the reason', () => {
    spec.given([opened]).when(close).then([closed]);
  });

  it('ends the shift on duty with it', () => {
    spec
      .given([opened, shiftStarted()])
      .when(close)
      .thenMatches((events) =>
        expect(events.map((e) => e.type)).toEqual([
          'checkpoints.shift-ended',
          'checkpoints.checkpoint-closed',
        ]),
      );
  });

  it('refuses closing twice', () => {
    spec
      .given([opened, closed])
      .when(close)
      .thenThrows('CHECKPOINT_CLOSED', { fields: ['checkpointId'] });
  });

  it('refuses an unknown checkpoint', () => {
    spec
      .given([])
      .when(close)
      .thenThrows('CHECKPOINT_NOT_FOUND', { fields: ['checkpointId'] });
  });
});

describe('shifts', () => {
  it('starts a shift with its staff', () => {
    spec
      .given([opened])
      .when(startShift())
      .then([
        {
          type: 'checkpoints.shift-started',
          data: {
            checkpointId: 'cp1',
            shiftId: 'sh2',
            staff,
            startedAt: '2020-01-29T08:00:00.000Z',
          },
        },
      ]);
  });

  it('allows one shift on duty at a time', () => {
    spec
      .given([opened, shiftStarted()])
      .when(startShift())
      .thenThrows('SHIFT_ALREADY_OPEN', { fields: ['handoverNote'] });
  });

  it('a handover ends the shift on duty the moment the next starts, in one append', () => {
    spec
      .given([opened, shiftStarted()])
      .when(startShift({ handoverNote: '东口无异常，体温计两支' }))
      .then([
        {
          type: 'checkpoints.shift-ended',
          data: {
            checkpointId: 'cp1',
            shiftId: 'sh1',
            endedAt: '2020-01-29T08:00:00.000Z',
            handoverNote: '东口无异常，体温计两支',
          },
        },
        {
          type: 'checkpoints.shift-started',
          data: {
            checkpointId: 'cp1',
            shiftId: 'sh2',
            staff,
            startedAt: '2020-01-29T08:00:00.000Z',
          },
        },
      ]);
  });

  it('a handover cannot start before the shift on duty started', () => {
    spec
      .given([opened, shiftStarted('sh1', '2020-01-29T09:00:00.000Z')])
      .when(startShift({ handoverNote: 'x' }))
      .thenThrows('SHIFT_OVERLAPS_PREVIOUS', { fields: ['startedAt'] });
  });

  it('a new shift cannot start before the previous one ended', () => {
    spec
      .given([opened, shiftStarted(), shiftEnded('sh1', '2020-01-29T09:00:00.000Z')])
      .when(startShift())
      .thenThrows('SHIFT_OVERLAPS_PREVIOUS', { fields: ['startedAt'] });
  });

  it('a new shift may start after the previous one ended (the gap shows in coverage)', () => {
    spec
      .given([opened, shiftStarted(), shiftEnded()])
      .when(startShift())
      .thenMatches((events) => expect(events).toHaveLength(1));
  });

  it('needs at least one person on duty', () => {
    spec
      .given([opened])
      .when(startShift({ staff: [] }))
      .thenThrows('STAFF_REQUIRED', { fields: ['staff'] });
  });

  it('refuses the same person listed twice', () => {
    spec
      .given([opened])
      .when(startShift({ staff: [staff[0]!, staff[0]!] }))
      .thenThrows('STAFF_REPEATED', { fields: ['staff'] });
  });

  it('refuses a start later than now', () => {
    spec
      .given([opened])
      .when(startShift({ startedAt: '2020-01-29T13:00:00.000Z' }))
      .thenThrows('SHIFT_IN_FUTURE', { fields: ['startedAt'] });
  });

  it('refuses a start before the checkpoint opened', () => {
    spec
      .given([opened])
      .when(startShift({ startedAt: '2020-01-27T08:00:00.000Z' }))
      .thenThrows('SHIFT_BEFORE_OPENING', { fields: ['startedAt'] });
  });

  it('refuses a shift at a closed or unknown checkpoint', () => {
    spec
      .given([opened, closed])
      .when(startShift())
      .thenThrows('CHECKPOINT_CLOSED', { fields: ['checkpointId'] });
    spec
      .given([])
      .when(startShift())
      .thenThrows('CHECKPOINT_NOT_FOUND', { fields: ['checkpointId'] });
  });

  it('ends the shift on duty with the handover note', () => {
    spec
      .given([opened, shiftStarted()])
      .when(endShift())
      .then([shiftEnded('sh1', '2020-01-29T10:00:00.000Z', '无异常')]);
    const state = [opened, shiftStarted(), shiftEnded()].reduce(
      checkpointDecider.evolve,
      checkpointDecider.initialState(),
    );
    expect(currentShift(state)).toBeNull();
  });

  it('cannot end a shift when none is on duty', () => {
    spec
      .given([opened])
      .when(endShift())
      .thenThrows('NO_OPEN_SHIFT', { fields: ['checkpointId'] });
    spec
      .given([opened, shiftStarted(), shiftEnded()])
      .when(endShift())
      .thenThrows('NO_OPEN_SHIFT', { fields: ['checkpointId'] });
  });

  it('cannot end a shift before it started', () => {
    spec
      .given([opened, shiftStarted('sh1', '2020-01-29T11:00:00.000Z')])
      .when(endShift())
      .thenThrows('SHIFT_ENDS_BEFORE_START', { fields: ['endedAt'] });
  });

  it('cannot end a shift later than now', () => {
    spec
      .given([opened, shiftStarted()])
      .when(endShift({ endedAt: '2020-01-29T18:00:00.000Z' }))
      .thenThrows('SHIFT_IN_FUTURE', { fields: ['endedAt'] });
  });

  it('cannot end a shift at a closed or unknown checkpoint', () => {
    spec
      .given([opened, closed])
      .when(endShift())
      .thenThrows('CHECKPOINT_CLOSED', { fields: ['checkpointId'] });
    spec
      .given([])
      .when(endShift())
      .thenThrows('CHECKPOINT_NOT_FOUND', { fields: ['checkpointId'] });
  });
});
