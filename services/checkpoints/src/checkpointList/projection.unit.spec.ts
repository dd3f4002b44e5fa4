import { describe, expect, it } from 'vitest';
import type { CheckpointEvent, ShiftStaff } from '@fangyi/contracts';
import { checkpointDecider, currentShift, type CheckpointState } from '../checkpoint/checkpoint.ts';
import { evolveListItem, type CheckpointListItem } from './projection.ts';

const staff: ShiftStaff[] = [
  { id: 's1', name: '张伟', community: 'zhangcun', role: 'community-staff' },
  { id: 's2', name: '王警官', community: 'zhangcun', role: 'police' },
];
const opened: CheckpointEvent = {
  type: 'checkpoints.checkpoint-opened',
  data: {
    checkpointId: 'cp1',
    name: '张村东口',
    location: '张村东路口',
    communities: [{ community: 'zhangcun', district: 'kutao' }],
    kind: 'road',
    staffedHours: 24,
    openedAt: '2020-01-28T14:00:00.000Z',
  },
};
const started = (shiftId: string, startedAt: string, people = staff): CheckpointEvent => ({
  type: 'checkpoints.shift-started',
  data: { checkpointId: 'cp1', shiftId, staff: people, startedAt },
});
const ended = (shiftId: string, endedAt: string): CheckpointEvent => ({
  type: 'checkpoints.shift-ended',
  data: { checkpointId: 'cp1', shiftId, endedAt, handoverNote: '交班' },
});
const closed: CheckpointEvent = {
  type: 'checkpoints.checkpoint-closed',
  data: { checkpointId: 'cp1', reason: '撤除', closedAt: '2020-02-20T00:00:00.000Z' },
};
const mergedInto: CheckpointEvent = {
  type: 'checkpoints.checkpoint-merged-into',
  data: { checkpointId: 'cp1', mergedInto: 'joint', closedAt: '2020-02-01T00:00:00.000Z' },
};

const fold = (events: readonly CheckpointEvent[]) =>
  events.reduce<CheckpointListItem | null>(evolveListItem, null);

/** The row as the checkpoint's own fold (the decider's evolve) would give it. */
function rowFromDecider(state: CheckpointState): CheckpointListItem | null {
  if (state.status === 'none') return null;
  const shift = currentShift(state);
  return {
    checkpointId: state.checkpointId,
    name: state.name,
    location: state.location,
    kind: state.kind,
    communities: state.communities,
    status: state.status === 'open' ? 'open' : state.mergedInto !== null ? 'merged' : 'closed',
    staffedHours: state.staffedHours,
    shiftOnDuty: shift
      ? { shiftId: shift.shiftId, since: shift.startedAt, staffCount: shift.staff.length }
      : null,
    mergedInto: state.status === 'closed' ? state.mergedInto : null,
    mergedFrom: state.mergedFrom,
    openedAt: state.openedAt,
    closedAt: state.status === 'closed' ? state.closedAt : null,
  };
}

describe('a row of the checkpoint list', () => {
  it('an opened checkpoint is open with no shift on duty', () => {
    expect(fold([opened])).toMatchObject({
      status: 'open',
      shiftOnDuty: null,
      mergedInto: null,
      mergedFrom: [],
      closedAt: null,
      openedAt: '2020-01-28T14:00:00.000Z',
    });
  });

  it('shows the shift on duty with its start and head count; a handover shows the new one', () => {
    expect(fold([opened, started('sh1', '2020-01-29T00:00:00.000Z')])!.shiftOnDuty).toEqual({
      shiftId: 'sh1',
      since: '2020-01-29T00:00:00.000Z',
      staffCount: 2,
    });
    const handover = [
      opened,
      started('sh1', '2020-01-29T00:00:00.000Z'),
      ended('sh1', '2020-01-29T08:00:00.000Z'),
      started('sh2', '2020-01-29T08:00:00.000Z', [staff[0]!]),
    ];
    expect(fold(handover)!.shiftOnDuty).toEqual({
      shiftId: 'sh2',
      since: '2020-01-29T08:00:00.000Z',
      staffCount: 1,
    });
    expect(fold([...handover, ended('sh2', '2020-01-29T16:00:00.000Z')])!.shiftOnDuty).toBeNull();
  });

  it('closed and merged are told apart', () => {
    expect(fold([opened, closed])).toMatchObject({
      status: 'closed',
      closedAt: '2020-02-20T00:00:00.000Z',
      mergedInto: null,
    });
    expect(fold([opened, mergedInto])).toMatchObject({
      status: 'merged',
      closedAt: '2020-02-01T00:00:00.000Z',
      mergedInto: 'joint',
    });
  });

  it('a closing event on a closed checkpoint changes nothing, as in the decider', () => {
    expect(fold([opened, mergedInto, closed])).toEqual(fold([opened, mergedInto]));
    expect(fold([opened, closed, mergedInto])).toEqual(fold([opened, closed]));
  });

  it('a joint checkpoint lists where it was merged from', () => {
    const joint = {
      ...opened,
      data: { ...opened.data, mergedFrom: ['a', 'b'] },
    } as CheckpointEvent;
    expect(fold([joint])).toMatchObject({ status: 'open', mergedFrom: ['a', 'b'] });
  });

  it.each([
    ['opened', [opened]],
    ['a shift on duty', [opened, started('sh1', '2020-01-29T00:00:00.000Z')]],
    [
      'a shift ended',
      [
        opened,
        started('sh1', '2020-01-29T00:00:00.000Z'),
        ended('sh1', '2020-01-29T08:00:00.000Z'),
      ],
    ],
    [
      'closed with a shift on duty',
      [
        opened,
        started('sh1', '2020-01-29T00:00:00.000Z'),
        ended('sh1', '2020-02-20T00:00:00.000Z'),
        closed,
      ],
    ],
    ['merged', [opened, mergedInto, closed]],
  ] as const)('agrees with the checkpoint decider: %s', (_label, events) => {
    const state = events.reduce(checkpointDecider.evolve, checkpointDecider.initialState());
    expect(fold(events)).toEqual(rowFromDecider(state));
  });
});
