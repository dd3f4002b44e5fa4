import type { Logger } from 'pino';
import type { Envelope } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import {
  applyBatch,
  applyEvent,
  ensureIntact,
  InMemoryProjectionStore,
  ReadModelLostError,
  type Projection,
  type ProjectionStore,
} from '@fangyi/projections';
import { logSource } from './logSource.ts';
import { startProcessor, type Processor, type ProcessorStatus } from './processor.ts';

export interface ReadModelOptions {
  /**
   * The source of truth behind a read model fed from Kafka: a jump in a stream's revisions is
   * checked in it (a forged or misrouted message is rejected, not applied), and a store that is
   * not intact (its keys were lost) is rebuilt from it before the event is applied again.
   */
  readonly eventStore?: EventStore;
}

/**
 * A read model as a processor: each event applied at most once per stream revision (the store
 * checks it in the same atomic step as the change), its log position kept in the same store.
 */
export function readModelProcessor(
  projection: Projection,
  store: ProjectionStore,
  options: ReadModelOptions = {},
): Processor {
  const { eventStore } = options;
  let rebuilding: Promise<unknown> | null = null;
  return {
    name: projection.name,
    handles: projection.handles,
    checkpoints: store.checkpoints,
    async handle(event, log) {
      const apply = () =>
        applyEvent(projection, store, event, {
          logger: log,
          ...(eventStore ? { verifyJumpsIn: eventStore } : {}),
        });
      let outcome: Awaited<ReturnType<typeof apply>>;
      try {
        outcome = await apply();
      } catch (error) {
        if (!(error instanceof ReadModelLostError) || !eventStore) throw error;
        // Partitions handled at once share one rebuild; the event is then applied on the whole model.
        rebuilding ??= ensureIntact({ projection, store, eventStore, logger: log }).finally(
          () => (rebuilding = null),
        );
        await rebuilding;
        outcome = await apply();
      }
      log.debug(
        { streamId: event.streamId, revision: event.streamRevision, outcome },
        'event applied',
      );
    },
    // A batch in one commit round trip per partition (applyBatch), each event still once per revision.
    async handleBatch(events, log) {
      const apply = () =>
        applyBatch(projection, store, events, {
          logger: log,
          ...(eventStore ? { verifyJumpsIn: eventStore } : {}),
        });
      let result: Awaited<ReturnType<typeof apply>>;
      try {
        result = await apply();
      } catch (error) {
        if (!(error instanceof ReadModelLostError) || !eventStore) throw error;
        rebuilding ??= ensureIntact({ projection, store, eventStore, logger: log }).finally(
          () => (rebuilding = null),
        );
        await rebuilding;
        result = await apply();
      }
      log.debug({ events: events.length, ...result }, 'batch applied');
    },
  };
}

export interface PolicyOptions {
  readonly name: string;
  readonly handles: readonly string[];
  /**
   * Reacts to another context's event by sending a command to its own service. Must be idempotent:
   * every source redelivers. Derive the command's ids from the event (deterministicId(event.id))
   * and treat "already done" as done.
   */
  readonly react: (event: Envelope) => Promise<void>;
}

/** A policy as a processor: its effect is its own idempotent command, its place a checkpoint or offset. */
export function policyProcessor(options: PolicyOptions): Processor {
  return {
    name: options.name,
    handles: options.handles,
    async handle(event, log) {
      await options.react(event);
      log.debug({ eventId: event.id, type: event.type }, 'policy reacted');
    },
  };
}

/** A read model a service keeps in memory from the event store's log, read with its writes in it. */
export interface LogView<S extends ProjectionStore = ProjectionStore> {
  readonly store: S;
  /** Resolves once everything appended before the call is applied (read-your-writes). */
  caughtUp(): Promise<void>;
  status(): ProcessorStatus;
  stop(): Promise<void>;
}

export interface LogViewOptions {
  readonly projection: Projection;
  readonly eventStore: EventStore;
  readonly logger: Logger;
  /** Defaults to a fresh in-memory store, filled from the start of the log. */
  readonly store?: ProjectionStore;
  /** Between background reads (default 500 ms); a request's caughtUp() wakes it at once. */
  readonly idleMs?: number;
  readonly batchSize?: number;
}

/**
 * Starts a view that each instance keeps from the event store's log: the small directories a
 * service checks commands against (people, passes, households) and the lists it answers with.
 * Its checkpoint lives in its own store, so a fresh in-memory store replays the log from the start.
 */
export async function startLogView(options: LogViewOptions): Promise<LogView> {
  const store = options.store ?? new InMemoryProjectionStore();
  const source = logSource({
    eventStore: options.eventStore,
    idleMs: options.idleMs ?? 500,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
  });
  const running = await startProcessor(
    readModelProcessor(options.projection, store),
    source,
    options.logger,
  );
  return {
    store,
    caughtUp: () => running.caughtUp(),
    status: () => running.status(),
    stop: () => running.stop(),
  };
}
