import type { Logger } from 'pino';
import type { CheckpointCommunity, CheckpointEvent, CheckpointKind } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import { followLog, type Op, type Projection, type ProjectionStore } from '@fangyi/projections';

export const CHECKPOINT_LIST_COLLECTION = 'checkpoint-list';

export const LIST_STATUSES = ['open', 'closed', 'merged'] as const;
/** `closed` is a closure with a reason; `merged` is a checkpoint closed into a joint one. */
export type ListStatus = (typeof LIST_STATUSES)[number];

/** One row of GET /checkpoints: what a person choosing a checkpoint needs, without its shift history. */
export interface CheckpointListItem {
  readonly checkpointId: string;
  readonly name: string;
  readonly location: string;
  readonly kind: CheckpointKind;
  readonly communities: readonly CheckpointCommunity[];
  readonly status: ListStatus;
  readonly staffedHours: number;
  readonly shiftOnDuty: { readonly shiftId: string; readonly since: string; readonly staffCount: number } | null;
  /** The joint checkpoint a merged one was closed into. */
  readonly mergedInto: string | null;
  /** The checkpoints a joint one replaced; empty for one opened on its own. */
  readonly mergedFrom: readonly string[];
  readonly openedAt: string;
  readonly closedAt: string | null;
}

/**
 * The row after one event of the checkpoint's stream: the same rules as the checkpoint decider's
 * evolve (a closing event counts only on an open checkpoint), kept to the few fields a list shows,
 * so that a row stays small however many shifts the checkpoint has had.
 */
export function evolveListItem(item: CheckpointListItem | null, event: CheckpointEvent): CheckpointListItem | null {
  switch (event.type) {
    case 'checkpoints.checkpoint-opened': {
      const d = event.data;
      return {
        checkpointId: d.checkpointId,
        name: d.name,
        location: d.location,
        kind: d.kind,
        communities: d.communities,
        status: 'open',
        staffedHours: d.staffedHours,
        shiftOnDuty: null,
        mergedInto: null,
        mergedFrom: d.mergedFrom ?? [],
        openedAt: d.openedAt,
        closedAt: null,
      };
    }
    case 'checkpoints.checkpoint-merged-into':
      if (item?.status !== 'open') return item;
      return { ...item, status: 'merged', mergedInto: event.data.mergedInto, closedAt: event.data.closedAt };
    case 'checkpoints.checkpoint-closed':
      if (item?.status !== 'open') return item;
      return { ...item, status: 'closed', closedAt: event.data.closedAt };
    case 'checkpoints.shift-started':
      if (!item) return item;
      return { ...item, shiftOnDuty: { shiftId: event.data.shiftId, since: event.data.startedAt, staffCount: event.data.staff.length } };
    case 'checkpoints.shift-ended':
      if (item?.shiftOnDuty?.shiftId !== event.data.shiftId) return item;
      return { ...item, shiftOnDuty: null };
    default: {
      const _exhaustive: never = event;
      return item;
    }
  }
}

/**
 * Every event type of a checkpoint's own stream (crossings live on other streams and are not
 * read). All of them, the ones that change nothing included, so each revision is recorded and
 * no "gap in stream revisions" is reported.
 */
const CHECKPOINT_STREAM_EVENTS = [
  'checkpoints.checkpoint-opened',
  'checkpoints.checkpoint-merged-into',
  'checkpoints.checkpoint-closed',
  'checkpoints.shift-started',
  'checkpoints.shift-ended',
] as const satisfies readonly CheckpointEvent['type'][];
// Fails to compile when a checkpoint event type is added without being listed above.
const _everyType: Exclude<CheckpointEvent['type'], (typeof CHECKPOINT_STREAM_EVENTS)[number]> extends never ? true : never = true;

export const checkpointListProjection: Projection = {
  name: 'checkpoints-list',
  handles: CHECKPOINT_STREAM_EVENTS,
  async project(envelope, read): Promise<Op[]> {
    const event = { type: envelope.type, data: envelope.data } as CheckpointEvent;
    const id = event.data.checkpointId;
    const before = await read.get<CheckpointListItem>(CHECKPOINT_LIST_COLLECTION, id);
    const after = evolveListItem(before, event);
    return after === null || after === before ? [] : [{ op: 'put', collection: CHECKPOINT_LIST_COLLECTION, id, doc: after }];
  },
};

/**
 * The checkpoint list, brought up to date when it is asked for (see followLog): each read first
 * applies what the global log holds after the last position this process applied (normally a
 * handful of events, read in one query), then lists the collection. So the list includes every
 * write committed before the request (a registrar sees the merge they just made), and nothing runs
 * in the background: no subscription to wire, start or stop in the composition roots. The first
 * read after a start goes through the whole log once; in a shared Redis store the applied
 * revisions make that replay change nothing, in the embedded mode's fresh in-memory store it
 * builds the list.
 */
export function checkpointListReadModel(deps: { readonly eventStore: EventStore; readonly store: ProjectionStore; readonly logger: Logger }) {
  const follower = followLog({ projection: checkpointListProjection, store: deps.store, eventStore: deps.eventStore, logger: deps.logger });
  return {
    /** Every checkpoint, up to date with the log as it was when called. */
    async all(): Promise<CheckpointListItem[]> {
      await follower.sync();
      return deps.store.list<CheckpointListItem>(CHECKPOINT_LIST_COLLECTION);
    },
  };
}
