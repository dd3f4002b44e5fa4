import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { NewEvent } from '@fangyi/contracts';
import type { AppendResult, EventStore } from '@fangyi/eventstore';

/**
 * Prometheus metrics of one process (`prom-client`), scraped at `/metrics`. Each process makes its
 * own registry in its composition root (nothing global); the kit's app records every request in
 * it, an instrumented event store every append, and the composition root adds the gauges of its
 * processors and relay, read when scraped.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly appendDuration: Histogram<never>;
  readonly appendBatch: Histogram<never>;
  /** Domain counters: every event recorded by this process, by type (checks logged, missed slots, escalations, breaches…). */
  readonly events: Counter<'type'>;
}

export function createMetrics(options: {
  readonly service: string;
  readonly defaultMetrics?: boolean;
}): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  // Process metrics: RSS, heap, event-loop lag, GC; off in tests that build many apps.
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'fangyi_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'fangyi_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    appendDuration: new Histogram({
      name: 'fangyi_event_store_append_duration_seconds',
      help: 'Time for one append to the event store (all its events, one stream)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    appendBatch: new Histogram({
      name: 'fangyi_event_store_append_events',
      help: 'Events per append',
      buckets: [1, 2, 3, 5, 10, 50, 100],
      registers: [registry],
    }),
    events: new Counter({
      name: 'fangyi_events_recorded_total',
      help: 'Events this process recorded in the event store, by type',
      labelNames: ['type'],
      registers: [registry],
    }),
  };
}

/**
 * The event store with every append measured: its latency, its size, and each event counted by
 * type (the domain counters). Reads pass straight through.
 */
export function instrumentEventStore<S extends EventStore>(store: S, metrics: Metrics): S {
  const append = async (
    streamId: string,
    events: readonly NewEvent[],
    options: Parameters<EventStore['append']>[2],
  ): Promise<AppendResult> => {
    const end = metrics.appendDuration.startTimer();
    const result = await store.append(streamId, events, options);
    end();
    metrics.appendBatch.observe(events.length);
    for (const e of events) metrics.events.inc({ type: e.type });
    return result;
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'append') return append;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/** What the gauges of a processor read when scraped: its status as the runtime keeps it. */
export interface ProcessorMetricsSource {
  readonly name: string;
  readonly state: string;
  readonly handled: number;
  readonly deadLettered?: number;
}

const PROCESSOR_STATES = ['starting', 'running', 'failing', 'stale', 'stopped'] as const;

/**
 * Per processor: events handled (a counter; its rate is events applied per second), dead letters,
 * and its state, read from the statuses when scraped.
 */
export function registerProcessorMetrics(
  metrics: Metrics,
  statuses: () => readonly ProcessorMetricsSource[],
): void {
  new Gauge({
    name: 'fangyi_processor_events_handled_total',
    help: 'Events a processor handled since the process started (redeliveries included); rate() gives events per second',
    labelNames: ['processor'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const s of statuses()) this.set({ processor: s.name }, s.handled);
    },
  });
  new Gauge({
    name: 'fangyi_processor_dead_letters_total',
    help: 'Messages a processor set aside on the dead-letter topic since the process started',
    labelNames: ['processor'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const s of statuses()) this.set({ processor: s.name }, s.deadLettered ?? 0);
    },
  });
  new Gauge({
    name: 'fangyi_processor_state',
    help: "A processor's state: 1 for the state it is in, 0 for the others",
    labelNames: ['processor', 'state'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const s of statuses())
        for (const state of PROCESSOR_STATES)
          this.set({ processor: s.name, state }, s.state === state ? 1 : 0);
    },
  });
}

/** The most a relay's lag is counted to at a scrape: the figure then reads "at least this many". */
export const RELAY_LAG_CAP = 1000;

/**
 * The relay's lag (events in the store past its checkpoint, counted up to {@link RELAY_LAG_CAP}
 * when scraped) and its state.
 */
export function registerRelayMetrics(
  metrics: Metrics,
  relay: {
    status(): { readonly name: string; readonly state: string; readonly checkpoint: string | null };
  },
  store: Pick<EventStore, 'readAll'>,
): void {
  new Gauge({
    name: 'fangyi_relay_lag_events',
    help: `Events in the event store past the relay's checkpoint, not yet published to Kafka (counted up to ${RELAY_LAG_CAP})`,
    labelNames: ['relay'],
    registers: [metrics.registry],
    async collect() {
      const { name, checkpoint } = relay.status();
      this.set(
        { relay: name },
        (await store.readAll({ after: checkpoint, limit: RELAY_LAG_CAP })).length,
      );
    },
  });
  new Gauge({
    name: 'fangyi_relay_state',
    help: "The relay's state: 1 for the state it is in",
    labelNames: ['relay', 'state'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      const { name, state } = relay.status();
      this.set({ relay: name, state }, 1);
    },
  });
}
