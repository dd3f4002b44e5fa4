import { currentVersionOf, parseEnvelope, type Actor, type NewEvent } from '@fangyi/contracts';
import {
  WrongExpectedRevisionError,
  type EventStore,
  type ExpectedRevision,
  type RecordedEvent,
} from '@fangyi/eventstore';
import { activeTrace, failSpan, SpanKind, traceparentOf } from '@fangyi/tracing';
import { aggregateCacheOf, type AggregateCache, type Folded } from './aggregateCache.ts';
import { DomainError } from './errors.ts';

/** A domain event before it is wrapped in an envelope. */
export interface DomainEvent {
  readonly type: string;
  readonly data: unknown;
}

/** The pure core of an aggregate: no clock, no ids, no I/O. */
export interface Decider<Command, Event extends DomainEvent, State> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

export interface CommandMetadata<State = unknown> {
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId?: string | null;
  /** When the command's events happened in the world. */
  readonly occurredAt: Date;
  /** Makes event ids (UUIDv7). */
  readonly newId: () => string;
  /** A revision the caller saw (If-Match); otherwise the revision just read. */
  readonly expectedRevision?: number;
  /** Checks the caller may act on this aggregate (e.g. its community) before deciding; throws to refuse. */
  readonly authorize?: (state: State) => void;
}

export interface CommandResult<Event, State> {
  readonly events: readonly Event[];
  readonly eventIds: readonly string[];
  readonly state: State;
  /** The stream's revision after the append (its last event), or -1 when the stream is still empty. */
  readonly revision: number;
}

/** Reads a stream and folds it into state with the decider's evolve; events are validated and upcast on the way. */
export async function loadAggregate<Event extends DomainEvent, State>(
  store: EventStore,
  streamId: string,
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
): Promise<{ state: State; revision: number; events: RecordedEvent[] }> {
  const events = await store.readStream(streamId);
  let state = decider.initialState();
  for (const recorded of events) {
    const envelope = parseEnvelope(recorded);
    state = decider.evolve(state, { type: envelope.type, data: envelope.data } as Event);
  }
  return { state, revision: events.length - 1, events };
}

/**
 * The stream's state for deciding: the cached fold of its earlier events (when this process decided
 * on it lately) and whatever was appended since, read from the store.
 */
async function loadCached<Event extends DomainEvent, State>(
  store: EventStore,
  streamId: string,
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  cache: AggregateCache,
): Promise<Folded<State>> {
  const cached = cache.get<State>(streamId);
  const fromRevision = cached ? cached.revision + 1 : 0;
  const events = await store.readStream(streamId, { fromRevision });
  let state = cached ? cached.state : decider.initialState();
  for (const recorded of events) {
    const envelope = parseEnvelope(recorded);
    state = decider.evolve(state, { type: envelope.type, data: envelope.data } as Event);
  }
  const folded = { state, revision: fromRevision + events.length - 1 };
  if (events.length > 0) cache.set(streamId, folded);
  return folded;
}

/** Attempts of a command sent without If-Match when another write to its stream came first. */
const ATTEMPTS_ON_CONFLICT = 4;

/**
 * The whole command loop: read the stream, fold, decide, append with the expected revision.
 * A command sent without If-Match that loses a race (another write reached its stream between its
 * read and its append) is decided again on the fresh state, a few times: two checks for two slots
 * of one case both go through, while two for the same slot still meet the decider's refusal. With
 * If-Match the caller vouched for the state it saw, so a lost race is a 409 at once
 * (WrongExpectedRevisionError), as it is after the last attempt.
 */
export async function handleCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  meta: CommandMetadata<State>,
): Promise<CommandResult<Event, State>> {
  // Inside a traced request, the command is a span of its own, and its events carry its traceparent.
  const traced = activeTrace();
  if (!traced) return decideWithRetries(store, streamId, decider, command, meta, undefined);
  const span = traced.tracer.startSpan(
    'fangyi.append',
    { kind: SpanKind.INTERNAL, attributes: { 'fangyi.stream_id': streamId } },
    traced.context,
  );
  try {
    const result = await decideWithRetries(
      store,
      streamId,
      decider,
      command,
      meta,
      traceparentOf(span),
    );
    span.setAttribute('fangyi.events', result.eventIds.length);
    if (result.events.length > 0)
      span.setAttribute('fangyi.event_types', result.events.map((e) => e.type).join(','));
    return result;
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

async function decideWithRetries<Command, Event extends DomainEvent, State>(
  store: EventStore,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  meta: CommandMetadata<State>,
  traceparent: string | undefined,
): Promise<CommandResult<Event, State>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await decideAndAppend(store, streamId, decider, command, meta, traceparent);
    } catch (error) {
      const retry =
        error instanceof WrongExpectedRevisionError &&
        meta.expectedRevision === undefined &&
        attempt < ATTEMPTS_ON_CONFLICT;
      if (!retry) throw error;
    }
  }
}

async function decideAndAppend<Command, Event extends DomainEvent, State>(
  store: EventStore,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  meta: CommandMetadata<State>,
  traceparent: string | undefined,
): Promise<CommandResult<Event, State>> {
  const cache = aggregateCacheOf(store, decider);
  const { state, revision } = await loadCached(store, streamId, decider, cache);
  if (meta.expectedRevision !== undefined && meta.expectedRevision !== revision) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `If-Match revision ${meta.expectedRevision}, current ${revision}`,
      [{ field: 'headers.if-match', message: `not the current revision (${revision})` }],
    );
  }
  meta.authorize?.(state);
  const events = decider.decide(command, state);
  if (events.length === 0) return { events, eventIds: [], state, revision };
  const occurredAt = meta.occurredAt.toISOString();
  const envelopes: NewEvent[] = [];
  let causationId = meta.causationId ?? null;
  for (const e of events) {
    const id = meta.newId();
    envelopes.push({
      id,
      type: e.type,
      schemaVersion: currentVersionOf(e.type),
      occurredAt,
      actor: meta.actor,
      correlationId: meta.correlationId,
      causationId,
      data: e.data,
      ...(traceparent ? { traceparent } : {}),
    });
    // Later events of one decision are caused by the first.
    causationId ??= id;
  }
  const expected: ExpectedRevision = revision < 0 ? 'no-stream' : revision;
  const result = await store.append(streamId, envelopes, { expectedRevision: expected });
  const next = events.reduce((s, e) => decider.evolve(s, e), state);
  cache.set(streamId, { state: next, revision: result.nextExpectedRevision });
  return {
    events,
    eventIds: envelopes.map((e) => e.id),
    state: next,
    revision: result.nextExpectedRevision,
  };
}
