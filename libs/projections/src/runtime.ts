import { pino, type Logger } from 'pino';
import { parseEnvelope, type Envelope } from '@fangyi/contracts';
import type { EventStore, LogPosition, RecordedEvent } from '@fangyi/eventstore';
import { InMemoryProjectionStore } from './memory.ts';
import type { DocReader, DocVersion, Projection, ProjectionStore } from './port.ts';

export type ApplyOutcome = 'applied' | 'duplicate' | 'ignored' | 'rejected';

export interface ApplyOptions {
  readonly logger?: Logger;
  /**
   * Where a jump in a stream's revisions is checked before it is applied: the event store, the
   * source of truth. An event whose revision lies past the next expected one must be in the store
   * at that revision with the same id; one that is not (forged, misrouted, from another store) is
   * 'rejected': logged, not applied, and its revision not recorded, so it cannot hide the real
   * events that come later. Without it, a jump is applied as it comes.
   */
  readonly verifyJumpsIn?: Pick<EventStore, 'readStream'>;
}

/**
 * Applies one validated event to a read model, at most once. A revision already applied is
 * skipped before `project` runs; the store's commit re-checks atomically, so two consumers racing
 * on the same event still apply it once. A jump in a stream's revisions (events of types the
 * projection does not read leave one; so does a dead-lettered event) is checked against the event
 * store where one is given, then applied.
 */
export async function applyEvent(projection: Projection, store: ProjectionStore, envelope: Envelope, options: ApplyOptions | Logger = {}): Promise<ApplyOutcome> {
  const { logger, verifyJumpsIn } = 'child' in options ? { logger: options, verifyJumpsIn: undefined } : options;
  if (!projection.handles.includes(envelope.type)) return 'ignored';
  const applied = await store.appliedRevision(envelope.streamId);
  if (applied !== null && envelope.streamRevision <= applied) return 'duplicate';
  const expected = applied === null ? 0 : applied + 1;
  if (envelope.streamRevision > expected) {
    // The runtime's child loggers already carry these bindings; pino would write them twice.
    const bound = logger && 'streamId' in logger.bindings() ? {} : { projection: projection.name, streamId: envelope.streamId };
    if (verifyJumpsIn) {
      const [stored] = await verifyJumpsIn.readStream(envelope.streamId, { fromRevision: envelope.streamRevision });
      if (stored?.streamRevision !== envelope.streamRevision || stored.id !== envelope.id) {
        logger?.error(
          { ...bound, eventId: envelope.id, revision: envelope.streamRevision, appliedRevision: applied, storedId: stored?.streamRevision === envelope.streamRevision ? stored.id : null },
          'event not in the event store at its revision: rejected, not applied',
        );
        return 'rejected';
      }
    }
    logger?.debug({ ...bound, appliedRevision: applied, revision: envelope.streamRevision }, 'gap in stream revisions (an unhandled type leaves one too): applying');
  }
  // A document may be fed by several streams (a person's cases), whose events other partitions or
  // instances apply at the same time: the commit checks that what project() read is unchanged, and
  // on a conflict the event is projected again on fresh reads.
  for (let attempt = 1; ; attempt++) {
    const reads = new Map<string, DocVersion>();
    // project() gets a reader only, so it cannot write around the atomic commit.
    const reader: DocReader = {
      get: async (collection, id) => {
        const { doc, version } = await store.getVersioned(collection, id);
        const key = `${collection}:${id}`;
        if (!reads.has(key)) reads.set(key, { collection, id, version });
        return doc as never;
      },
    };
    const ops = await projection.project(envelope, reader);
    const outcome = await store.commit(envelope.streamId, envelope.streamRevision, ops, [...reads.values()]);
    if (outcome !== 'conflict') return outcome;
    if (attempt >= MAX_CONFLICT_ATTEMPTS) throw new Error(`${projection.name}: ${envelope.streamId}@${envelope.streamRevision} kept meeting concurrent writes to the documents it reads`);
  }
}

const MAX_CONFLICT_ATTEMPTS = 50;

export interface EnsureIntactOptions {
  readonly projection: Projection;
  readonly store: ProjectionStore;
  readonly eventStore: EventStore;
  readonly logger: Logger;
  /** How often a process that lost the race for the rebuild lock looks whether the rebuild is done (default 200 ms). */
  readonly pollMs?: number;
}

/**
 * Makes sure a read model is whole before anyone writes to it: a store that is not intact (never
 * built, or its keys lost in a Redis restart) is rebuilt from the event store, never from Kafka,
 * whose retention may no longer hold the history and whose consumer offsets say nothing about
 * what the store lost. Where several processes share the store, one takes the rebuild lock and
 * the others wait for the store to be marked intact, trying the lock again as they wait: a
 * rebuilder that dies mid-rebuild never marks it, and its lock expires, so one of them takes over.
 */
export async function ensureIntact(options: EnsureIntactOptions): Promise<'intact' | 'rebuilt' | 'waited'> {
  const { store } = options;
  const log = options.logger.child({ projection: options.projection.name });
  let waited = false;
  for (;;) {
    if (await store.intact()) return waited ? 'waited' : 'intact';
    const release = store.lockRebuild ? await store.lockRebuild() : async () => {};
    if (release) {
      try {
        if (await store.intact()) return waited ? 'waited' : 'intact';
        log.warn('read model not intact (never built, or its keys were lost): rebuilding from the event store');
        await rebuildFromEventStore({ ...options, store: store.unguarded?.() ?? store });
        await store.markIntact();
        return 'rebuilt';
      } finally {
        await release();
      }
    }
    if (!waited) log.info('read model being rebuilt by another process: waiting');
    waited = true;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
  }
}

export interface ReplayResult {
  /** Events that changed the read model. */
  readonly applied: number;
  /** Events of types the projection does not read (and duplicates, which a reset store never has). */
  readonly ignored: number;
  /** Events of handled types that fail validation, e.g. a type this build does not know; logged. */
  readonly skipped: number;
  /** The last position read from the global log, or null if the log is empty. */
  readonly position: LogPosition | null;
}

export interface RebuildOptions {
  readonly projection: Projection;
  readonly store: ProjectionStore;
  readonly eventStore: EventStore;
  readonly logger: Logger;
  readonly batchSize?: number;
}

/**
 * Wipes the read model and replays the whole global log into it. Stop the live consumers of the
 * same store first (or rebuild into a fresh namespace): a reset is not atomic with their commits.
 * Once done, the live consumer may start from the beginning: applied revisions skip what is here.
 */
export async function rebuildFromEventStore(options: RebuildOptions): Promise<ReplayResult> {
  const log = options.logger.child({ projection: options.projection.name });
  await options.store.reset();
  const result = await replay(options.projection, options.store, options.eventStore, log, options.batchSize, () => true);
  log.info({ applied: result.applied, ignored: result.ignored, skipped: result.skipped, position: result.position }, 'read model rebuilt');
  return result;
}

export interface ProjectAsOfOptions<S extends ProjectionStore> {
  readonly projection: Projection;
  readonly eventStore: EventStore;
  /** Only events the system had recorded at this instant (recordedAt ≤ asOf) count. */
  readonly asOf: Date;
  /** Where to build the view; it is reset first. Defaults to a new in-memory store. */
  readonly store?: S;
  readonly logger?: Logger;
  readonly batchSize?: number;
}

/**
 * "What did we know at time T": the read model built from only the events recorded by T.
 * Filters on recordedAt (when the system learned it), not occurredAt, so a check logged late
 * is absent from views as of before it was logged. Reads the whole log: recordedAt is taken
 * before commit, so commit order and recordedAt order can differ slightly.
 */
export async function projectAsOf<S extends ProjectionStore = InMemoryProjectionStore>(options: ProjectAsOfOptions<S>): Promise<S> {
  const store = options.store ?? (new InMemoryProjectionStore() as ProjectionStore as S);
  const log = (options.logger ?? pino({ enabled: false })).child({ projection: options.projection.name });
  const cutoff = options.asOf.getTime();
  if (Number.isNaN(cutoff)) throw new TypeError('asOf must be a valid date');
  await store.reset();
  await replay(options.projection, store, options.eventStore, log, options.batchSize, (e) => Date.parse(e.recordedAt) <= cutoff);
  return store;
}

async function replay(
  projection: Projection,
  store: ProjectionStore,
  eventStore: EventStore,
  log: Logger,
  batchSize = 500,
  include: (event: RecordedEvent) => boolean,
): Promise<ReplayResult> {
  let applied = 0;
  let ignored = 0;
  let skipped = 0;
  let position: LogPosition | null = null;
  for (;;) {
    const batch = await eventStore.readAll({ after: position, limit: batchSize });
    if (batch.length === 0) break;
    for (const recorded of batch) {
      if (!include(recorded)) continue;
      const outcome = await applyRecorded(projection, store, recorded, log);
      if (outcome === 'applied') applied++;
      else if (outcome === 'skipped' || outcome === 'rejected') skipped++;
      else ignored++;
    }
    position = batch[batch.length - 1]!.position;
  }
  return { applied, ignored, skipped, position };
}

/**
 * One event of the global log into a read model: the same order of checks as the live consumer
 * (type, validation, then applyEvent), so a replay yields the same documents. An event of a handled
 * type this build cannot read is logged and skipped, not retried for ever.
 */
export async function applyRecorded(projection: Projection, store: ProjectionStore, recorded: RecordedEvent, log: Logger): Promise<ApplyOutcome | 'skipped'> {
  if (!projection.handles.includes(recorded.type)) return 'ignored';
  let envelope: Envelope;
  try {
    const { position: _position, ...raw } = recorded;
    envelope = parseEnvelope(raw);
  } catch (error) {
    log.warn({ position: recorded.position, streamId: recorded.streamId, type: recorded.type, err: errorMessage(error) }, 'event fails validation: skipped');
    return 'skipped';
  }
  return applyEvent(projection, store, envelope, log.child({ streamId: envelope.streamId, type: envelope.type }));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
