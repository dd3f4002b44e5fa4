import type { Envelope } from '@fangyi/contracts';
import { applyEvent, type Projection, type ProjectionStore } from '@fangyi/projections';
import type { Processor } from './processor.ts';

/**
 * A read model as a processor: each event applied at most once per stream revision (the store
 * checks it in the same atomic step as the change), its log position kept in the same store.
 */
export function readModelProcessor(projection: Projection, store: ProjectionStore): Processor {
  return {
    name: projection.name,
    handles: projection.handles,
    checkpoints: store.checkpoints,
    async handle(event, log) {
      const outcome = await applyEvent(projection, store, event, log);
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
