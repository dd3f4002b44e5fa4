import type { Logger } from 'pino';
import type { CheckpointCommunity, CheckpointEvent, CheckpointKind } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import { InMemoryProjectionStore, type Op, type Projection } from '@fangyi/projections';
import {
  logSource,
  readModelProcessor,
  startProcessor,
  type ProcessorStatus,
} from '@fangyi/processors';

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
  readonly shiftOnDuty: {
    readonly shiftId: string;
    readonly since: string;
    readonly staffCount: number;
  } | null;
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
export function evolveListItem(
  item: CheckpointListItem | null,
  event: CheckpointEvent,
): CheckpointListItem | null {
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
      return {
        ...item,
        status: 'merged',
        mergedInto: event.data.mergedInto,
        closedAt: event.data.closedAt,
      };
    case 'checkpoints.checkpoint-closed':
      if (item?.status !== 'open') return item;
      return { ...item, status: 'closed', closedAt: event.data.closedAt };
    case 'checkpoints.shift-started':
      if (!item) return item;
      return {
        ...item,
        shiftOnDuty: {
          shiftId: event.data.shiftId,
          since: event.data.startedAt,
          staffCount: event.data.staff.length,
        },
      };
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
const _everyType: Exclude<
  CheckpointEvent['type'],
  (typeof CHECKPOINT_STREAM_EVENTS)[number]
> extends never
  ? true
  : never = true;

export const checkpointListProjection: Projection = {
  name: 'checkpoints-list',
  handles: CHECKPOINT_STREAM_EVENTS,
  async project(envelope, read): Promise<Op[]> {
    const event = { type: envelope.type, data: envelope.data } as CheckpointEvent;
    const id = event.data.checkpointId;
    const before = await read.get<CheckpointListItem>(CHECKPOINT_LIST_COLLECTION, id);
    const after = evolveListItem(before, event);
    return after === null || after === before
      ? []
      : [{ op: 'put', collection: CHECKPOINT_LIST_COLLECTION, id, doc: after }];
  },
};

export interface CheckpointList {
  /** Every checkpoint, up to date with every write committed before the call. */
  all(): Promise<CheckpointListItem[]>;
  status(): ProcessorStatus;
  stop(): Promise<void>;
}

/**
 * The checkpoint list, kept in memory by each instance from the event store's global log (a
 * district has a few dozen checkpoints, so a replay at start is cheap). A read first waits until
 * the log's tail is applied, so a registrar sees the merge they just made.
 */
export async function startCheckpointList(deps: {
  readonly eventStore: EventStore;
  readonly logger: Logger;
  readonly idleMs?: number;
}): Promise<CheckpointList> {
  const store = new InMemoryProjectionStore();
  const source = logSource({ eventStore: deps.eventStore, idleMs: deps.idleMs ?? 500 });
  const running = await startProcessor(
    readModelProcessor(checkpointListProjection, store),
    source,
    deps.logger,
  );
  return {
    async all() {
      await running.caughtUp();
      return store.list<CheckpointListItem>(CHECKPOINT_LIST_COLLECTION);
    },
    status: () => running.status(),
    stop: () => running.stop(),
  };
}
