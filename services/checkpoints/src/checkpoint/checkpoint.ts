import {
  CLOCK_SKEW_MS,
  type CheckpointCommunity,
  type CheckpointEvent,
  type CheckpointKind,
  type ShiftStaff,
} from '@fangyi/contracts';
import { DomainError, defineErrors, fault } from '@fangyi/service-kit/errors';

export const checkpointErrors = defineErrors({
  CHECKPOINT_NOT_FOUND: { status: 404, title: 'No checkpoint with this id' },
  CHECKPOINT_ALREADY_EXISTS: { status: 409, title: 'A checkpoint with this id already exists' },
  CHECKPOINT_CLOSED: { status: 409, title: 'The checkpoint is closed' },
  CHECKPOINT_ALREADY_MERGED: {
    status: 409,
    title: 'The checkpoint has already been merged into another one',
  },
  MERGE_INTO_SELF: { status: 409, title: 'A checkpoint cannot be merged into itself' },
  SHIFT_ALREADY_OPEN: {
    status: 409,
    title: 'A shift is already on duty here; end it first or send a handover note',
  },
  NO_OPEN_SHIFT: { status: 409, title: 'No shift is on duty at this checkpoint' },
  STAFF_REQUIRED: { status: 409, title: 'A shift needs at least one person on duty' },
  STAFF_REPEATED: { status: 409, title: 'The same person is listed twice on the shift' },
  SHIFT_OVERLAPS_PREVIOUS: {
    status: 409,
    title: 'The shift would start before the previous one ended',
  },
  SHIFT_BEFORE_OPENING: {
    status: 409,
    title: 'The shift would start before the checkpoint opened',
  },
  SHIFT_ENDS_BEFORE_START: { status: 409, title: 'A shift cannot end before it started' },
  SHIFT_IN_FUTURE: { status: 409, title: 'A shift cannot start or end later than now' },
});

export const checkpointStreamId = (checkpointId: string) => `checkpoint-${checkpointId}`;

// ---- commands: what the route hands the decider, ids and times included ----

export type OpenCheckpoint = {
  type: 'OpenCheckpoint';
  data: {
    checkpointId: string;
    name: string;
    location: string;
    communities: readonly CheckpointCommunity[];
    kind: CheckpointKind;
    staffedHours: number;
    mergedFrom?: readonly string[];
    at: string;
  };
};
/** The follow-up step of a merge, appended to each merged-from checkpoint. */
export type MarkMergedInto = {
  type: 'MarkMergedInto';
  data: { checkpointId: string; mergedInto: string; at: string };
};
export type CloseCheckpoint = {
  type: 'CloseCheckpoint';
  data: { checkpointId: string; reason: string; at: string };
};
export type StartShift = {
  type: 'StartShift';
  data: {
    checkpointId: string;
    shiftId: string;
    staff: readonly ShiftStaff[];
    startedAt: string;
    handoverNote?: string;
    now: string;
  };
};
export type EndShift = {
  type: 'EndShift';
  data: { checkpointId: string; endedAt: string; handoverNote: string; now: string };
};
export type CheckpointCommand =
  | OpenCheckpoint
  | MarkMergedInto
  | CloseCheckpoint
  | StartShift
  | EndShift;

// ---- state ----

export interface ShiftRecord {
  readonly shiftId: string;
  readonly staff: readonly ShiftStaff[];
  readonly startedAt: string;
  /** null while the shift is on duty. */
  readonly endedAt: string | null;
  readonly handoverNote: string | null;
}

interface CheckpointDetails {
  readonly checkpointId: string;
  readonly name: string;
  readonly location: string;
  readonly communities: readonly CheckpointCommunity[];
  readonly kind: CheckpointKind;
  readonly staffedHours: number;
  readonly mergedFrom: readonly string[];
  readonly openedAt: string;
  /** Every shift in start order; at most the last one is still on duty. */
  readonly shifts: readonly ShiftRecord[];
}

export type CheckpointState =
  | { readonly status: 'none' }
  | ({ readonly status: 'open' } & CheckpointDetails)
  | ({
      readonly status: 'closed';
      readonly closedAt: string;
      readonly reason: string | null;
      readonly mergedInto: string | null;
    } & CheckpointDetails);

export const initialState = (): CheckpointState => ({ status: 'none' });

export function currentShift(state: CheckpointState): ShiftRecord | null {
  if (state.status === 'none') return null;
  const last = state.shifts[state.shifts.length - 1];
  return last && last.endedAt === null ? last : null;
}

const ms = (iso: string) => Date.parse(iso);
const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/** What a merge request says about the checkpoint it opens, named as in the request body. */
export interface MergeContent {
  readonly sources: readonly string[];
  readonly name: string;
  readonly location: string;
  readonly kind: CheckpointKind;
  readonly staffedHours: number;
}

/**
 * The fields in which a merge request differs from the checkpoint already recorded under its id;
 * none means the request is a retry of that merge. Sources compare as a set: the same merge listed
 * in another order is the same merge (the recorded order stays).
 */
export function mergeDifferences(
  state: Exclude<CheckpointState, { status: 'none' }>,
  request: MergeContent,
): (keyof MergeContent)[] {
  const differs: (keyof MergeContent)[] = [];
  // A checkpoint opened on its own (mergedFrom empty) never matches: a merge needs two sources or more.
  if (!sameSet(state.mergedFrom, request.sources)) differs.push('sources');
  for (const key of ['name', 'location', 'kind', 'staffedHours'] as const)
    if (state[key] !== request[key]) differs.push(key);
  return differs;
}

/**
 * A merge reusing the id of a checkpoint recorded with other content: refused, naming the id, the
 * way a crossing id reused for another crossing is, so the client knows to pick a fresh id.
 */
export function refuseReusedMergeId(
  state: Exclude<CheckpointState, { status: 'none' }>,
  request: MergeContent,
): void {
  const differs = mergeDifferences(state, request);
  if (differs.length === 0) return;
  throw new DomainError(
    'CHECKPOINT_ALREADY_EXISTS',
    `checkpoint ${state.checkpointId} was recorded with a different ${differs.join(', ')}`,
    [
      {
        field: 'checkpointId',
        message: `already used for another checkpoint (${differs.join(', ')} differ)`,
      },
    ],
  );
}

function endCurrentShift(
  state: CheckpointState,
  endedAt: string,
  handoverNote: string,
): ShiftRecord[] {
  if (state.status === 'none') return [];
  return state.shifts.map((s) => (s.endedAt === null ? { ...s, endedAt, handoverNote } : s));
}

export function evolve(state: CheckpointState, event: CheckpointEvent): CheckpointState {
  switch (event.type) {
    case 'checkpoints.checkpoint-opened': {
      const d = event.data;
      return {
        status: 'open',
        checkpointId: d.checkpointId,
        name: d.name,
        location: d.location,
        communities: d.communities,
        kind: d.kind,
        staffedHours: d.staffedHours,
        mergedFrom: d.mergedFrom ?? [],
        openedAt: d.openedAt,
        shifts: [],
      };
    }
    case 'checkpoints.checkpoint-merged-into':
      if (state.status !== 'open') return state;
      return {
        ...state,
        status: 'closed',
        closedAt: event.data.closedAt,
        reason: null,
        mergedInto: event.data.mergedInto,
      };
    case 'checkpoints.checkpoint-closed':
      if (state.status !== 'open') return state;
      return {
        ...state,
        status: 'closed',
        closedAt: event.data.closedAt,
        reason: event.data.reason,
        mergedInto: null,
      };
    case 'checkpoints.shift-started': {
      if (state.status === 'none') return state;
      const d = event.data;
      return {
        ...state,
        shifts: [
          ...state.shifts,
          {
            shiftId: d.shiftId,
            staff: d.staff,
            startedAt: d.startedAt,
            endedAt: null,
            handoverNote: null,
          },
        ],
      };
    }
    case 'checkpoints.shift-ended':
      if (state.status === 'none') return state;
      return {
        ...state,
        shifts: endCurrentShift(state, event.data.endedAt, event.data.handoverNote),
      };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** Closing a checkpoint (or merging it away) ends the shift on duty, so no shift stays open for ever. */
function endShiftOnClosing(
  state: CheckpointState & { status: 'open' },
  at: string,
  note: string,
): CheckpointEvent[] {
  const shift = currentShift(state);
  if (!shift) return [];
  const endedAt = ms(at) < ms(shift.startedAt) ? shift.startedAt : at;
  return [
    {
      type: 'checkpoints.shift-ended',
      data: {
        checkpointId: state.checkpointId,
        shiftId: shift.shiftId,
        endedAt,
        handoverNote: note,
      },
    },
  ];
}

export function decide(command: CheckpointCommand, state: CheckpointState): CheckpointEvent[] {
  switch (command.type) {
    case 'OpenCheckpoint': {
      const d = command.data;
      if (d.mergedFrom?.includes(d.checkpointId))
        throw new DomainError(
          'MERGE_INTO_SELF',
          `checkpoint ${d.checkpointId}`,
          fault('sources', 'includes the new checkpoint'),
        );
      if (state.status !== 'none') {
        if (!d.mergedFrom)
          throw new DomainError(
            'CHECKPOINT_ALREADY_EXISTS',
            `checkpoint ${d.checkpointId}`,
            fault('checkpointId', 'already used for another checkpoint'),
          );
        // A retried merge finds its checkpoint already opened with the same content: nothing more to do.
        // The same id with other content is another merge that must not pass for this one.
        refuseReusedMergeId(state, {
          sources: d.mergedFrom,
          name: d.name,
          location: d.location,
          kind: d.kind,
          staffedHours: d.staffedHours,
        });
        return [];
      }
      return [
        {
          type: 'checkpoints.checkpoint-opened',
          data: {
            checkpointId: d.checkpointId,
            name: d.name,
            location: d.location,
            communities: [...d.communities],
            kind: d.kind,
            staffedHours: d.staffedHours,
            ...(d.mergedFrom ? { mergedFrom: [...d.mergedFrom] } : {}),
            openedAt: d.at,
          },
        },
      ];
    }
    case 'MarkMergedInto': {
      const d = command.data;
      if (state.status === 'none')
        throw new DomainError(
          'CHECKPOINT_NOT_FOUND',
          `checkpoint ${d.checkpointId}`,
          fault('checkpointId', 'no such checkpoint'),
        );
      if (d.mergedInto === d.checkpointId)
        throw new DomainError(
          'MERGE_INTO_SELF',
          `checkpoint ${d.checkpointId}`,
          fault('checkpointId', 'cannot be merged into itself'),
        );
      if (state.status === 'closed') {
        if (state.mergedInto === d.mergedInto) return [];
        if (state.mergedInto !== null)
          throw new DomainError(
            'CHECKPOINT_ALREADY_MERGED',
            `checkpoint ${d.checkpointId} was merged into ${state.mergedInto}`,
            fault('checkpointId', `merged into ${state.mergedInto}`),
          );
        throw new DomainError(
          'CHECKPOINT_CLOSED',
          `checkpoint ${d.checkpointId}`,
          fault('checkpointId', 'closed'),
        );
      }
      return [
        ...endShiftOnClosing(
          state,
          d.at,
          `合并至卡口 ${d.mergedInto} (merged into ${d.mergedInto})`,
        ),
        {
          type: 'checkpoints.checkpoint-merged-into',
          data: { checkpointId: d.checkpointId, mergedInto: d.mergedInto, closedAt: d.at },
        },
      ];
    }
    case 'CloseCheckpoint': {
      const d = command.data;
      if (state.status === 'none')
        throw new DomainError(
          'CHECKPOINT_NOT_FOUND',
          `checkpoint ${d.checkpointId}`,
          fault('checkpointId', 'no such checkpoint'),
        );
      if (state.status === 'closed')
        throw new DomainError(
          'CHECKPOINT_CLOSED',
          `checkpoint ${d.checkpointId}`,
          fault('checkpointId', 'closed'),
        );
      return [
        ...endShiftOnClosing(state, d.at, `卡口关闭 (checkpoint closed): ${d.reason}`),
        {
          type: 'checkpoints.checkpoint-closed',
          data: { checkpointId: d.checkpointId, reason: d.reason, closedAt: d.at },
        },
      ];
    }
    case 'StartShift': {
      const d = command.data;
      if (state.status === 'none')
        throw new DomainError(
          'CHECKPOINT_NOT_FOUND',
          `checkpoint ${d.checkpointId}`,
          fault('checkpointId', 'no such checkpoint'),
        );
      if (state.status === 'closed')
        throw new DomainError(
          'CHECKPOINT_CLOSED',
          `checkpoint ${d.checkpointId}`,
          fault('checkpointId', 'closed'),
        );
      if (d.staff.length === 0)
        throw new DomainError('STAFF_REQUIRED', undefined, fault('staff', 'at least one person'));
      const ids = d.staff.map((s) => s.id);
      if (new Set(ids).size !== ids.length)
        throw new DomainError(
          'STAFF_REPEATED',
          undefined,
          fault('staff', 'a person is listed twice'),
        );
      if (ms(d.startedAt) > ms(d.now) + CLOCK_SKEW_MS)
        throw new DomainError(
          'SHIFT_IN_FUTURE',
          `startedAt ${d.startedAt}`,
          fault('startedAt', 'in the future'),
        );
      if (ms(d.startedAt) < ms(state.openedAt))
        throw new DomainError(
          'SHIFT_BEFORE_OPENING',
          `opened ${state.openedAt}`,
          fault('startedAt', 'before the checkpoint opened'),
        );
      const onDuty = currentShift(state);
      const events: CheckpointEvent[] = [];
      if (onDuty) {
        if (d.handoverNote === undefined)
          throw new DomainError(
            'SHIFT_ALREADY_OPEN',
            `shift ${onDuty.shiftId} is on duty`,
            fault('handoverNote', 'a shift is on duty: end it first, or hand over with a note'),
          );
        if (ms(d.startedAt) < ms(onDuty.startedAt)) {
          throw new DomainError(
            'SHIFT_OVERLAPS_PREVIOUS',
            `shift ${onDuty.shiftId} started ${onDuty.startedAt}`,
            fault('startedAt', 'before the shift on duty started'),
          );
        }
        // Handover: the shift on duty ends the moment the new one starts, so coverage has no gap.
        events.push({
          type: 'checkpoints.shift-ended',
          data: {
            checkpointId: d.checkpointId,
            shiftId: onDuty.shiftId,
            endedAt: d.startedAt,
            handoverNote: d.handoverNote,
          },
        });
      } else {
        const last = state.shifts[state.shifts.length - 1];
        if (last?.endedAt && ms(d.startedAt) < ms(last.endedAt)) {
          throw new DomainError(
            'SHIFT_OVERLAPS_PREVIOUS',
            `shift ${last.shiftId} ended ${last.endedAt}`,
            fault('startedAt', 'before the previous shift ended'),
          );
        }
      }
      events.push({
        type: 'checkpoints.shift-started',
        data: {
          checkpointId: d.checkpointId,
          shiftId: d.shiftId,
          staff: [...d.staff],
          startedAt: d.startedAt,
        },
      });
      return events;
    }
    case 'EndShift': {
      const d = command.data;
      if (state.status === 'none')
        throw new DomainError(
          'CHECKPOINT_NOT_FOUND',
          `checkpoint ${d.checkpointId}`,
          fault('checkpointId', 'no such checkpoint'),
        );
      if (state.status === 'closed')
        throw new DomainError(
          'CHECKPOINT_CLOSED',
          `checkpoint ${d.checkpointId}`,
          fault('checkpointId', 'closed'),
        );
      const onDuty = currentShift(state);
      if (!onDuty)
        throw new DomainError(
          'NO_OPEN_SHIFT',
          `checkpoint ${d.checkpointId}`,
          fault('checkpointId', 'no shift is on duty'),
        );
      if (ms(d.endedAt) < ms(onDuty.startedAt))
        throw new DomainError(
          'SHIFT_ENDS_BEFORE_START',
          `started ${onDuty.startedAt}`,
          fault('endedAt', 'before the shift started'),
        );
      if (ms(d.endedAt) > ms(d.now) + CLOCK_SKEW_MS)
        throw new DomainError(
          'SHIFT_IN_FUTURE',
          `endedAt ${d.endedAt}`,
          fault('endedAt', 'in the future'),
        );
      return [
        {
          type: 'checkpoints.shift-ended',
          data: {
            checkpointId: d.checkpointId,
            shiftId: onDuty.shiftId,
            endedAt: d.endedAt,
            handoverNote: d.handoverNote,
          },
        },
      ];
    }
    default: {
      const _exhaustive: never = command;
      throw new Error('unknown command');
    }
  }
}

export const checkpointDecider = { initialState, evolve, decide };
