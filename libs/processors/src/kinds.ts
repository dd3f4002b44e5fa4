import type { Envelope } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import { applyEvent, ensureIntact, ReadModelLostError, type Projection, type ProjectionStore } from '@fangyi/projections';
import type { Processor } from './processor.ts';

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
export function readModelProcessor(projection: Projection, store: ProjectionStore, options: ReadModelOptions = {}): Processor {
  const { eventStore } = options;
  let rebuilding: Promise<unknown> | null = null;
  return {
    name: projection.name,
    handles: projection.handles,
    checkpoints: store.checkpoints,
    async handle(event, log) {
      const apply = () => applyEvent(projection, store, event, { logger: log, ...(eventStore ? { verifyJumpsIn: eventStore } : {}) });
      let outcome;
      try {
        outcome = await apply();
      } catch (error) {
        if (!(error instanceof ReadModelLostError) || !eventStore) throw error;
        // Partitions handled at once share one rebuild; the event is then applied on the whole model.
        rebuilding ??= ensureIntact({ projection, store, eventStore, logger: log }).finally(() => (rebuilding = null));
        await rebuilding;
        outcome = await apply();
      }
      log.debug({ streamId: event.streamId, revision: event.streamRevision, outcome }, 'event applied');
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
