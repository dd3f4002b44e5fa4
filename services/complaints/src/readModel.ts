import type { Logger } from 'pino';
import { topicFor } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import type { MessageBus } from '@fangyi/messaging';
import { rebuildFromEventStore, runProjection, type ProjectionStore } from '@fangyi/projections';
import { complaintsProjection } from './complaint/projection.ts';

export interface ComplaintsReadModelOptions {
  readonly bus: MessageBus;
  readonly store: ProjectionStore;
  readonly logger: Logger;
  readonly topicPrefix?: string;
  readonly groupId?: string;
  /** Given, the store is first rebuilt from this event store's log (a store kept in memory starts empty). */
  readonly rebuildFrom?: EventStore;
}

/**
 * Keeps the complaints list (GET /complaints) up to date from the complaints topic. The service has
 * no policies (it reacts to no other context's events), so this is all it runs beside HTTP.
 */
export async function startComplaintsReadModel(options: ComplaintsReadModelOptions): Promise<{ stop(): Promise<void> }> {
  if (options.rebuildFrom) {
    await rebuildFromEventStore({ projection: complaintsProjection, store: options.store, eventStore: options.rebuildFrom, logger: options.logger });
  }
  const topic = topicFor('complaints', options.topicPrefix);
  // Subscribing to a topic nothing has published to yet fails on Kafka: create it first.
  await options.bus.ensureTopics([topic]);
  const running = await runProjection({
    projection: complaintsProjection,
    store: options.store,
    bus: options.bus,
    topics: [topic],
    groupId: options.groupId ?? 'complaints-list',
    logger: options.logger,
  });
  return { stop: () => running.stop() };
}
