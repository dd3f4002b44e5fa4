import {
  isFever,
  CLOCK_SKEW_MS,
  TEMPERATURE_MAX_C,
  TEMPERATURE_MIN_C,
  type CrossingEvent,
  type Direction,
  type EntryRecorded,
  type RecordCrossingInput,
  type RecordRefusalInput,
  type RefusalRecorded,
} from '@fangyi/contracts';
import { DomainError, defineErrors, fault } from '@fangyi/service-kit/errors';

export const crossingErrors = defineErrors({
  PERSON_REQUIRED: {
    status: 409,
    title: 'A crossing must say who crossed: personId, name or ID number',
  },
  CROSSING_IN_FUTURE: {
    status: 409,
    title: 'A crossing or refusal cannot be recorded later than now',
  },
  CROSSING_NOT_FOUND: {
    status: 409,
    title: "The crossing to refuse is not among this checkpoint's crossings of that day",
  },
  CROSSING_NOT_AN_ENTRY: { status: 409, title: 'Only an entry can be turned back' },
  CROSSING_ALREADY_REFUSED: { status: 409, title: 'This entry has already been turned back' },
  CROSSING_PERSON_UNKNOWN: {
    status: 422,
    title:
      'No person with this id is registered: leave personId out to record the crossing as unidentified',
  },
  PASS_UNKNOWN: {
    status: 422,
    title:
      'No pass with this number has been issued: leave passNumber out to record the crossing without one',
  },
  PASS_NOT_OF_PERSON: { status: 409, title: 'This pass was issued to someone else' },
  CROSSING_ID_REUSED: {
    status: 409,
    title:
      'This id was already used for a different crossing or refusal at this checkpoint that day',
  },
});

/** One stream per checkpoint and business day keeps the checkpoint's own stream small. */
export const crossingStreamId = (checkpointId: string, date: string) =>
  `crossings-${checkpointId}-${date}`;

/** What the crossing decider needs to know of the checkpoint, read by the route from its stream. */
export type CheckpointSnapshot =
  | { readonly status: 'none' }
  | { readonly status: 'closed' }
  | { readonly status: 'open'; readonly openShiftId: string | null };

/**
 * What the route found in the residents directory for the person and the pass a crossing names:
 * `not-named` when the body gives none, `unknown` when the register holds no such one.
 */
export interface CrossingIdentity {
  readonly person: 'not-named' | 'unknown' | { readonly personId: string };
  readonly pass: 'not-named' | 'unknown' | { readonly passId: string; readonly personId: string };
}

/**
 * The person a crossing is recorded for: the one named, or the holder of the pass named; null for a
 * crossing recorded as unidentified. A name or id that matches nobody is refused, never kept as a phantom.
 */
export function identify(identity: CrossingIdentity): string | null {
  const { person, pass } = identity;
  if (person === 'unknown')
    throw new DomainError('CROSSING_PERSON_UNKNOWN', undefined, [
      { field: 'body.personId', message: 'no registered person with this id' },
    ]);
  if (pass === 'unknown')
    throw new DomainError('PASS_UNKNOWN', undefined, [
      { field: 'body.passNumber', message: 'no pass with this number was issued' },
    ]);
  if (person !== 'not-named' && pass !== 'not-named' && pass.personId !== person.personId) {
    throw new DomainError('PASS_NOT_OF_PERSON', `pass ${pass.passId}`, [
      { field: 'body.passNumber', message: 'issued to someone else' },
    ]);
  }
  return person !== 'not-named' ? person.personId : pass !== 'not-named' ? pass.personId : null;
}

interface CrossingContext {
  readonly checkpointId: string;
  readonly date: string;
  readonly checkpoint: CheckpointSnapshot;
  /** Now, to refuse crossings timed in the future. */
  readonly now: string;
}

export type RecordCrossingData = Omit<RecordCrossingInput, 'at' | 'crossingId'> &
  CrossingContext & {
    /** The client's, when it sent one (so a resend is recognised), else made by the server. */
    readonly crossingId: string;
    readonly breachId: string;
    readonly at: string;
    readonly identity: CrossingIdentity;
    /** From the checkpoints service's "people under quarantine" read model, looked up for the person identified. */
    readonly underQuarantine: { readonly caseId: string } | null;
    /** The district's fever threshold (°C, configuration). */
    readonly feverThresholdC: number;
  };
export type RecordEntry = { type: 'RecordEntry'; data: RecordCrossingData };
export type RecordExit = { type: 'RecordExit'; data: RecordCrossingData };
export type RecordRefusal = {
  type: 'RecordRefusal';
  data: Omit<RecordRefusalInput, 'at' | 'refusalId'> &
    CrossingContext & {
      readonly refusalId: string;
      readonly at: string;
      readonly identity: CrossingIdentity;
    };
};
export type CrossingCommand = RecordEntry | RecordExit | RecordRefusal;

export interface DayCrossing {
  readonly direction: Direction;
  readonly fever: boolean;
  readonly refusalId: string | null;
  readonly breachId: string | null;
  /** As recorded: a resend with the same crossingId is compared with it and answered from it. */
  readonly recorded: EntryRecorded;
}

/**
 * The day's crossings and refusals by id. Ids are remembered per checkpoint and business day (one
 * stream each), which is enough to recognise a client's resend: it comes minutes after the first try.
 */
export type CrossingDayState =
  | { readonly status: 'empty' }
  | {
      readonly status: 'recording';
      readonly crossings: ReadonlyMap<string, DayCrossing>;
      readonly refusals: ReadonlyMap<string, RefusalRecorded>;
    };

export const initialState = (): CrossingDayState => ({ status: 'empty' });

const crossingsOf = (state: CrossingDayState): ReadonlyMap<string, DayCrossing> =>
  state.status === 'recording' ? state.crossings : new Map();
const refusalsOf = (state: CrossingDayState): ReadonlyMap<string, RefusalRecorded> =>
  state.status === 'recording' ? state.refusals : new Map();

/** The crossing recorded under this id on the state's day, if any. */
export const crossingOf = (state: CrossingDayState, crossingId: string): DayCrossing | undefined =>
  crossingsOf(state).get(crossingId);

export { isFever };

export function evolve(state: CrossingDayState, event: CrossingEvent): CrossingDayState {
  const crossings = new Map(crossingsOf(state));
  const refusals = refusalsOf(state);
  switch (event.type) {
    case 'checkpoints.entry-recorded':
    case 'checkpoints.exit-recorded':
      crossings.set(event.data.crossingId, {
        direction: event.type === 'checkpoints.entry-recorded' ? 'entry' : 'exit',
        fever: event.data.fever,
        refusalId: null,
        breachId: null,
        recorded: event.data,
      });
      return { status: 'recording', crossings, refusals };
    case 'checkpoints.refusal-recorded': {
      const refused = event.data.crossingId ? crossings.get(event.data.crossingId) : undefined;
      if (refused && event.data.crossingId)
        crossings.set(event.data.crossingId, { ...refused, refusalId: event.data.refusalId });
      return {
        status: 'recording',
        crossings,
        refusals: new Map(refusals).set(event.data.refusalId, event.data),
      };
    }
    case 'checkpoints.quarantine-breach-recorded': {
      const crossed = crossings.get(event.data.crossingId);
      if (crossed)
        crossings.set(event.data.crossingId, { ...crossed, breachId: event.data.breachId });
      return { status: 'recording', crossings, refusals };
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** A crossing or refusal needs an open checkpoint with a shift on duty; returns that shift. */
function shiftOnDuty(ctx: CrossingContext, at: string): string {
  const cp = ctx.checkpoint;
  switch (cp.status) {
    case 'none':
      throw new DomainError(
        'CHECKPOINT_NOT_FOUND',
        `checkpoint ${ctx.checkpointId}`,
        fault('checkpointId', 'no such checkpoint'),
      );
    case 'closed':
      throw new DomainError(
        'CHECKPOINT_CLOSED',
        `checkpoint ${ctx.checkpointId}`,
        fault('checkpointId', 'closed'),
      );
    case 'open':
      if (cp.openShiftId === null)
        throw new DomainError(
          'NO_OPEN_SHIFT',
          `checkpoint ${ctx.checkpointId}: start a shift first`,
          fault('checkpointId', 'no shift is on duty: start a shift first'),
        );
      if (Date.parse(at) > Date.parse(ctx.now) + CLOCK_SKEW_MS)
        throw new DomainError('CROSSING_IN_FUTURE', `at ${at}`, fault('at', 'in the future'));
      return cp.openShiftId;
    default: {
      const _exhaustive: never = cp;
      throw new Error('unknown checkpoint status');
    }
  }
}

/** What the client sent, compared field by field with what was recorded under the same id. */
const CROSSING_CONTENT = [
  'personId',
  'name',
  'idNumber',
  'temperatureC',
  'passNumber',
  'passValid',
  'at',
] as const;
const REFUSAL_CONTENT = [
  'personId',
  'name',
  'idNumber',
  'reason',
  'note',
  'crossingId',
  'at',
] as const;

const differing = <K extends string>(
  keys: readonly K[],
  sent: { readonly [P in K]?: unknown },
  recorded: { readonly [P in K]?: unknown },
): K[] => keys.filter((k) => sent[k] !== recorded[k]);

const reused = (kind: 'crossing' | 'refusal', id: string, differs: readonly string[]) =>
  new DomainError(
    'CROSSING_ID_REUSED',
    `${kind} ${id} was recorded with a different ${differs.join(', ')}`,
    [
      {
        field: kind === 'crossing' ? 'crossingId' : 'refusalId',
        message: `already used for another ${kind} that day (${differs.join(', ')} differ)`,
      },
    ],
  );

function recordCrossing(
  direction: Direction,
  d: RecordCrossingData,
  state: CrossingDayState,
): CrossingEvent[] {
  // A resend is checked first: the crossing is already recorded, so it is answered even if the shift
  // has ended since, and it records no second breach.
  const earlier = crossingOf(state, d.crossingId);
  // Compared as recorded: a crossing named by its pass was recorded with the holder's id.
  const sent = {
    ...d,
    personId:
      d.personId ?? (typeof d.identity.pass === 'object' ? d.identity.pass.personId : undefined),
  };
  if (earlier) {
    const differs = [
      ...(earlier.direction !== direction ? ['direction'] : []),
      ...differing(CROSSING_CONTENT, sent, earlier.recorded),
    ];
    if (differs.length > 0) throw reused('crossing', d.crossingId, differs);
    return [];
  }
  const shiftId = shiftOnDuty(d, d.at);
  if (d.temperatureC < TEMPERATURE_MIN_C || d.temperatureC > TEMPERATURE_MAX_C) {
    throw new DomainError(
      'TEMPERATURE_OUT_OF_RANGE',
      `${d.temperatureC} °C`,
      fault('temperatureC', 'out of range'),
    );
  }
  if (d.personId === undefined && d.name === undefined && d.idNumber === undefined)
    throw new DomainError('PERSON_REQUIRED', undefined, fault('personId', 'who crossed?'));
  const personId = identify(d.identity);
  const data = {
    checkpointId: d.checkpointId,
    crossingId: d.crossingId,
    shiftId,
    date: d.date,
    ...(personId !== null ? { personId } : { unidentified: true as const }),
    ...(d.name !== undefined ? { name: d.name } : {}),
    ...(d.idNumber !== undefined ? { idNumber: d.idNumber } : {}),
    temperatureC: d.temperatureC,
    // A fever does not stop the entry being recorded: the staff turn the person back with a refusal.
    fever: isFever(d.temperatureC, d.feverThresholdC),
    ...(d.passNumber !== undefined ? { passNumber: d.passNumber } : {}),
    passValid: d.passValid,
    at: d.at,
  };
  const events: CrossingEvent[] = [
    direction === 'entry'
      ? { type: 'checkpoints.entry-recorded', data }
      : { type: 'checkpoints.exit-recorded', data },
  ];
  // Someone under home quarantine at a checkpoint, in either direction, is a breach: recorded in the same append.
  if (personId !== null && d.underQuarantine) {
    events.push({
      type: 'checkpoints.quarantine-breach-recorded',
      data: {
        breachId: d.breachId,
        checkpointId: d.checkpointId,
        crossingId: d.crossingId,
        personId,
        caseId: d.underQuarantine.caseId,
        direction,
        at: d.at,
      },
    });
  }
  return events;
}

export function decide(command: CrossingCommand, state: CrossingDayState): CrossingEvent[] {
  switch (command.type) {
    case 'RecordEntry':
      return recordCrossing('entry', command.data, state);
    case 'RecordExit':
      return recordCrossing('exit', command.data, state);
    case 'RecordRefusal': {
      const d = command.data;
      // Before the other checks: a resend of a refusal that turned an entry back would otherwise find it already turned back.
      const earlier = refusalsOf(state).get(d.refusalId);
      if (earlier) {
        const differs = differing(REFUSAL_CONTENT, d, earlier);
        if (differs.length > 0) throw reused('refusal', d.refusalId, differs);
        return [];
      }
      const shiftId = shiftOnDuty(d, d.at);
      identify(d.identity);
      if (d.crossingId !== undefined) {
        const crossing =
          state.status === 'recording' ? state.crossings.get(d.crossingId) : undefined;
        if (!crossing)
          throw new DomainError(
            'CROSSING_NOT_FOUND',
            `crossing ${d.crossingId} on ${d.date}`,
            fault('crossingId', 'not a crossing of this checkpoint on that day'),
          );
        if (crossing.direction !== 'entry')
          throw new DomainError(
            'CROSSING_NOT_AN_ENTRY',
            `crossing ${d.crossingId}`,
            fault('crossingId', 'is an exit'),
          );
        if (crossing.refusalId !== null)
          throw new DomainError(
            'CROSSING_ALREADY_REFUSED',
            `by refusal ${crossing.refusalId}`,
            fault('crossingId', 'already turned back'),
          );
      }
      return [
        {
          type: 'checkpoints.refusal-recorded',
          data: {
            checkpointId: d.checkpointId,
            refusalId: d.refusalId,
            shiftId,
            date: d.date,
            ...(d.personId !== undefined ? { personId: d.personId } : {}),
            ...(d.name !== undefined ? { name: d.name } : {}),
            ...(d.idNumber !== undefined ? { idNumber: d.idNumber } : {}),
            reason: d.reason,
            note: d.note,
            ...(d.crossingId !== undefined ? { crossingId: d.crossingId } : {}),
            at: d.at,
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

export const crossingDecider = { initialState, evolve, decide };
