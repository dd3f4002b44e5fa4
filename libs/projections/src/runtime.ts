import { pino, type Logger } from 'pino';
import { parseEnvelope, type Envelope } from '@fangyi/contracts';
import type { EventStore, LogPosition, RecordedEvent } from '@fangyi/eventstore';
import { InMemoryProjectionStore } from './memory.ts';
import { applyBatch } from './batch.ts';
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
export async function applyEvent(
  projection: Projection,
  store: ProjectionStore,
  envelope: Envelope,
  options: ApplyOptions | Logger = {},
): Promise<ApplyOutcome> {
  const { logger, verifyJumpsIn } =
    'child' in options ? { logger: options, verifyJumpsIn: undefined } : options;
  if (!projection.handles.includes(envelope.type)) return 'ignored';
  const applied = await store.appliedRevision(envelope.streamId);
  if (applied !== null && envelope.streamRevision <= applied) return 'duplicate';
  const expected = applied === null ? 0 : applied + 1;
  if (envelope.streamRevision > expected) {
    // The runtime's child loggers already carry these bindings; pino would write them twice.
    const bound =
      logger && 'streamId' in logger.bindings()
        ? {}
        : { projection: projection.name, streamId: envelope.streamId };
    if (verifyJumpsIn) {
      const [stored] = await verifyJumpsIn.readStream(envelope.streamId, {
        fromRevision: envelope.streamRevision,
      });
      if (stored?.streamRevision !== envelope.streamRevision || stored.id !== envelope.id) {
        logger?.error(
          {
            ...bound,
            eventId: envelope.id,
            revision: envelope.streamRevision,
            appliedRevision: applied,
            storedId: stored?.streamRevision === envelope.streamRevision ? stored.id : null,
          },
          'event not in the event store at its revision: rejected, not applied',
        );
        return 'rejected';
      }
    }
    if (verifyJumpsIn) {
      // The revisions in between are in the event store: applied first, in order, so a view that
      // missed them (a generation switched in while this message was on its way) is not left with
      // a hole. Revisions already there are duplicates; ignored types record nothing.
      const missing = await verifyJumpsIn.readStream(envelope.streamId, { fromRevision: expected });
      for (const stored of missing) {
        if (stored.streamRevision >= envelope.streamRevision) break;
        if (!projection.handles.includes(stored.type)) continue;
        const { position: _p, ...raw } = stored as RecordedEvent;
        let missed: Envelope;
        try {
          missed = parseEnvelope(raw);
        } catch {
          continue;
        }
        await applyEvent(projection, store, missed, logger ? { logger } : {});
      }
    }
    logger?.debug(
      { ...bound, appliedRevision: applied, revision: envelope.streamRevision },
      'gap in stream revisions (an unhandled type leaves one too): applying',
    );
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
    const outcome = await store.commit(envelope.streamId, envelope.streamRevision, ops, [
      ...reads.values(),
    ]);
    if (outcome !== 'conflict') return outcome;
    if (attempt >= MAX_CONFLICT_ATTEMPTS)
      throw new Error(
        `${projection.name}: ${envelope.streamId}@${envelope.streamRevision} kept meeting concurrent writes to the documents it reads`,
      );
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
export async function ensureIntact(
  options: EnsureIntactOptions,
): Promise<'intact' | 'rebuilt' | 'waited'> {
  const { store } = options;
  const log = options.logger.child({ projection: options.projection.name });
  let waited = false;
  for (;;) {
    if (await store.intact()) return waited ? 'waited' : 'intact';
    const release = store.lockRebuild ? await store.lockRebuild() : async () => {};
    if (release) {
      try {
        if (await store.intact()) return waited ? 'waited' : 'intact';
        log.warn(
          'read model not intact (never built, or its keys were lost): rebuilding from the event store',
        );
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
  /** Events of types the projection does not read (and duplicates, which a fresh store never has). */
  readonly ignored: number;
  /** Events of handled types that fail validation, e.g. a type this build does not know; logged. */
  readonly skipped: number;
  /** The last position read from the global log, or null if the log is empty. */
  readonly position: LogPosition | null;
}

/** Where a rebuild stands: printed on a terminal, logged, handed to `onProgress`. */
export interface RebuildProgress {
  readonly phase: 'replay' | 'catch-up';
  /** Events of the log read so far. */
  readonly events: number;
  /** Events of the log to read, where known (the `total` option). */
  readonly total: number | null;
  readonly perSecond: number;
  /** Seconds left at the current rate, where the total is known. */
  readonly secondsLeft: number | null;
}

export interface RebuildOptions {
  readonly projection: Projection;
  readonly store: ProjectionStore;
  readonly eventStore: EventStore;
  readonly logger: Logger;
  /** Events read from the log and applied per commit (default 10,000). */
  readonly batchSize?: number;
  /** How many events the log holds, for the time left (e.g. a count the caller made). */
  readonly total?: number;
  /** Called about once a second and at the end. */
  readonly onProgress?: (progress: RebuildProgress) => void;
  /** How often progress is reported and logged (default 1,000 ms). */
  readonly progressEveryMs?: number;
  /** How long the replaced generation stays for queries begun on it (default 5 s). */
  readonly graceMs?: number;
}

/**
 * Rebuilds the read model from the event store without taking it away from its readers: where the
 * store has generations (both stores here), the whole log is replayed into a fresh one while the
 * current keeps serving, readers and writers are switched to it with one pointer, and what was
 * appended meanwhile is caught up into it (live writers on the new generation fill any revision
 * they find missing from the event store). A store without generations is reset and replayed.
 * Events are applied in batches (applyBatch): one commit round trip per partition per batch.
 */
export async function rebuildFromEventStore(options: RebuildOptions): Promise<ReplayResult> {
  const log = options.logger.child({ projection: options.projection.name });
  const started = Date.now();
  if (!options.store.beginGeneration) {
    await options.store.reset();
    const result = await replay(options, options.store, log, null, 'replay', () => true);
    log.info(
      {
        applied: result.applied,
        ignored: result.ignored,
        skipped: result.skipped,
        position: result.position,
      },
      'read model rebuilt',
    );
    return result;
  }
  const generation = await options.store.beginGeneration();
  try {
    // Nothing reads or writes the new generation before it is switched in: the replay writes through its exclusive view.
    const first = await replay(
      options,
      generation.exclusive ?? generation.store,
      log,
      null,
      'replay',
      () => true,
    );
    await generation.activate(options.graceMs !== undefined ? { graceMs: options.graceMs } : {});
    log.info(
      { generation: generation.id, position: first.position },
      'rebuilt generation switched in: catching up',
    );
    const rest = await replay(
      options,
      generation.store,
      log,
      first.position,
      'catch-up',
      () => true,
    );
    const result: ReplayResult = {
      applied: first.applied + rest.applied,
      ignored: first.ignored + rest.ignored,
      skipped: first.skipped + rest.skipped,
      position: rest.position ?? first.position,
    };
    const seconds = (Date.now() - started) / 1000;
    log.info(
      {
        generation: generation.id,
        ...result,
        seconds,
        perSecond: Math.round(
          (result.applied + result.ignored + result.skipped) / Math.max(seconds, 0.001),
        ),
      },
      'read model rebuilt',
    );
    return result;
  } catch (error) {
    await generation.abandon().catch(() => {});
    throw error;
  }
}

/** Progress on a terminal: one line rewritten in place (stderr), for scripts that rebuild by hand. */
export function terminalProgress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): (p: RebuildProgress) => void {
  return (p) => {
    const left = p.secondsLeft === null ? '' : `, ${formatSeconds(p.secondsLeft)} left`;
    const of = p.total === null ? '' : ` of ${p.total.toLocaleString('en')}`;
    const line = `${label} ${p.phase}: ${p.events.toLocaleString('en')}${of} events, ${Math.round(p.perSecond).toLocaleString('en')}/s${left}`;
    if (stream.isTTY) stream.write(`\r${line}\x1b[K`);
    else stream.write(`${line}\n`);
  };
}

function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
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
export async function projectAsOf<S extends ProjectionStore = InMemoryProjectionStore>(
  options: ProjectAsOfOptions<S>,
): Promise<S> {
  const store = options.store ?? (new InMemoryProjectionStore() as ProjectionStore as S);
  const log = (options.logger ?? pino({ enabled: false })).child({
    projection: options.projection.name,
  });
  const cutoff = options.asOf.getTime();
  if (Number.isNaN(cutoff)) throw new TypeError('asOf must be a valid date');
  await store.reset();
  await replay(
    {
      projection: options.projection,
      eventStore: options.eventStore,
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      progressEveryMs: 60_000,
    },
    store,
    log,
    null,
    'replay',
    (e) => Date.parse(e.recordedAt) <= cutoff,
  );
  return store;
}

async function replay(
  options: Pick<
    RebuildOptions,
    'projection' | 'eventStore' | 'batchSize' | 'total' | 'onProgress' | 'progressEveryMs'
  >,
  store: ProjectionStore,
  log: Logger,
  after: LogPosition | null,
  phase: RebuildProgress['phase'],
  include: (event: RecordedEvent) => boolean,
): Promise<ReplayResult> {
  const { projection, eventStore } = options;
  const batchSize = options.batchSize ?? 10_000;
  let applied = 0;
  let ignored = 0;
  let skipped = 0;
  let read = 0;
  let position: LogPosition | null = after;
  const started = Date.now();
  let reported = started;
  const every = options.progressEveryMs ?? 1000;
  const report = (final: boolean) => {
    const now = Date.now();
    if (!final && now - reported < every) return;
    reported = now;
    const perSecond = read / Math.max((now - started) / 1000, 0.001);
    const total = options.total ?? null;
    const progress: RebuildProgress = {
      phase,
      events: read,
      total,
      perSecond,
      secondsLeft: total === null || perSecond === 0 ? null : Math.max(0, total - read) / perSecond,
    };
    options.onProgress?.(progress);
    log.info(
      {
        phase,
        events: read,
        total,
        perSecond: Math.round(perSecond),
        secondsLeft: progress.secondsLeft === null ? null : Math.round(progress.secondsLeft),
      },
      'rebuild progress',
    );
  };
  // The next batch is read from the log while this one is applied.
  let next = eventStore.readAll({ after: position, limit: batchSize });
  for (;;) {
    const batch = await next;
    if (batch.length === 0) break;
    position = batch[batch.length - 1]!.position;
    next = eventStore.readAll({ after: position, limit: batchSize });
    next.catch(() => {});
    read += batch.length;
    const envelopes: Envelope[] = [];
    for (const recorded of batch) {
      if (!include(recorded)) continue;
      if (!projection.handles.includes(recorded.type)) {
        ignored++;
        continue;
      }
      const envelope = readableEnvelope(recorded, log);
      if (envelope) envelopes.push(envelope);
      else skipped++;
    }
    const result = await applyBatch(projection, store, envelopes, { logger: log });
    applied += result.applied;
    ignored += result.duplicates;
    report(false);
  }
  if (read > 0) report(true);
  return { applied, ignored, skipped, position };
}

function readableEnvelope(recorded: RecordedEvent, log: Logger): Envelope | null {
  try {
    const { position: _position, ...raw } = recorded;
    return parseEnvelope(raw);
  } catch (error) {
    log.warn(
      {
        position: recorded.position,
        streamId: recorded.streamId,
        type: recorded.type,
        err: errorMessage(error),
      },
      'event fails validation: skipped',
    );
    return null;
  }
}

/**
 * One event of the global log into a read model: the same order of checks as the live consumer
 * (type, validation, then applyEvent), so a replay yields the same documents. An event of a handled
 * type this build cannot read is logged and skipped, not retried for ever.
 */
export async function applyRecorded(
  projection: Projection,
  store: ProjectionStore,
  recorded: RecordedEvent,
  log: Logger,
): Promise<ApplyOutcome | 'skipped'> {
  if (!projection.handles.includes(recorded.type)) return 'ignored';
  let envelope: Envelope;
  try {
    const { position: _position, ...raw } = recorded;
    envelope = parseEnvelope(raw);
  } catch (error) {
    log.warn(
      {
        position: recorded.position,
        streamId: recorded.streamId,
        type: recorded.type,
        err: errorMessage(error),
      },
      'event fails validation: skipped',
    );
    return 'skipped';
  }
  return applyEvent(
    projection,
    store,
    envelope,
    log.child({ streamId: envelope.streamId, type: envelope.type }),
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
