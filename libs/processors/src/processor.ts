import type { Logger } from 'pino';
import type { Envelope } from '@fangyi/contracts';
import type { CheckpointStore } from '@fangyi/eventstore';

/**
 * Every reader of events is a processor: a read model, a policy, an in-memory view. It has a name
 * (its checkpoint and, on Kafka, its consumer group), the event types it reads, and a handler that
 * must be idempotent, since every source delivers at least once. The same processor runs on either
 * source: the event store's global log or a Kafka consumer group, chosen by the composition root.
 */
export interface Processor {
  readonly name: string;
  /** Event types it reads; others pass by unvalidated (their positions still move its checkpoint). */
  readonly handles: readonly string[];
  /**
   * Where it keeps its place when it reads the event store's log; the event store's own
   * checkpoints by default. A read model keeps it with its documents, so losing them loses it too.
   */
  readonly checkpoints?: CheckpointStore;
  /** Handles one validated event. A throw leaves the event to be delivered again. */
  handle(event: Envelope, log: Logger): Promise<void>;
  /**
   * Handles a batch of validated events (in their source's order) at once, where the processor
   * can do better than one by one (a read model: one commit round trip). A throw leaves the whole
   * batch to be delivered again (the bus source then hands its events over one by one).
   */
  handleBatch?(events: readonly Envelope[], log: Logger): Promise<void>;
}

export type ProcessorState =
  /** Not yet reading: e.g. its consumer group has not joined (Kafka is down). */
  | 'starting'
  /** Reading its backlog or waiting for events. */
  | 'running'
  /** Its last attempt failed; it is retrying the same events. */
  | 'failing'
  /** Another reader under its name moved its checkpoint: this one stepped aside. */
  | 'stale'
  | 'stopped';

export interface ProcessorStatus {
  readonly name: string;
  readonly source: 'event-store' | 'bus';
  readonly state: ProcessorState;
  /** Events handled since start (redeliveries included). */
  readonly handled: number;
  readonly lastHandledAt: string | null;
  /** Since when the current run of failures lasts; null while it succeeds. */
  readonly failingSince: string | null;
  readonly lastError: string | null;
  /** Events set aside on the dead-letter topic since start (bus source only). */
  readonly deadLettered?: number;
}

export interface RunningProcessor {
  readonly name: string;
  /**
   * Resolves once every event readable at the time of the call is handled: a request awaits it to
   * answer with the user's own write in the view. Only the event-store source can promise that.
   */
  caughtUp(): Promise<void>;
  status(): ProcessorStatus;
  /** Stops after the event in hand is handled (and its checkpoint stored). */
  stop(): Promise<void>;
}

/** Where a processor's events come from; it also keeps the processor's place. */
export interface ProcessorSource {
  readonly kind: ProcessorStatus['source'];
  start(processor: Processor, logger: Logger): Promise<RunningProcessor>;
}

export function startProcessor(
  processor: Processor,
  source: ProcessorSource,
  logger: Logger,
): Promise<RunningProcessor> {
  return source.start(processor, logger.child({ processor: processor.name }));
}

/** Tracks what a status reports; shared by the sources. */
export class StatusTracker {
  private state: ProcessorState;
  private handled = 0;
  private lastHandledAt: string | null = null;
  private failingSince: string | null = null;
  private lastError: string | null = null;
  private readonly name: string;
  private readonly source: ProcessorStatus['source'];
  private readonly clock: () => Date;

  constructor(
    name: string,
    source: ProcessorStatus['source'],
    clock: () => Date = () => new Date(),
    initial: 'starting' | 'running' = 'running',
  ) {
    this.state = initial;
    this.name = name;
    this.source = source;
    this.clock = clock;
  }

  joined(): void {
    if (this.state === 'starting') this.state = 'running';
    this.failingSince = null;
  }

  /** A failed attempt to start: the processor stays 'starting'. */
  notYet(error: unknown): void {
    this.failingSince ??= this.clock().toISOString();
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  succeeded(count = 1): void {
    this.handled += count;
    this.lastHandledAt = this.clock().toISOString();
    if (this.state === 'failing') this.state = 'running';
    this.failingSince = null;
  }

  failed(error: unknown): void {
    if (this.state === 'running') this.state = 'failing';
    this.failingSince ??= this.clock().toISOString();
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  ended(state: 'stale' | 'stopped'): void {
    if (this.state !== 'stale') this.state = state;
  }

  get current(): ProcessorState {
    return this.state;
  }

  snapshot(): ProcessorStatus {
    return {
      name: this.name,
      source: this.source,
      state: this.state,
      handled: this.handled,
      lastHandledAt: this.lastHandledAt,
      failingSince: this.failingSince,
      lastError: this.lastError,
    };
  }
}

/** Processors started together on one source, stopped together. */
export interface ProcessorGroup {
  readonly processors: readonly RunningProcessor[];
  /** Every processor caught up (event-store source only). */
  caughtUp(): Promise<void>;
  statuses(): ProcessorStatus[];
  stop(): Promise<void>;
}

/** Starts each processor on the source; if one fails to start, the ones started are stopped again. */
export async function startProcessors(
  processors: readonly Processor[],
  source: ProcessorSource,
  logger: Logger,
): Promise<ProcessorGroup> {
  const running: RunningProcessor[] = [];
  try {
    for (const p of processors) running.push(await startProcessor(p, source, logger));
  } catch (error) {
    await Promise.allSettled(running.map((r) => r.stop()));
    throw error;
  }
  return {
    processors: running,
    caughtUp: async () => void (await Promise.all(running.map((r) => r.caughtUp()))),
    statuses: () => running.map((r) => r.status()),
    stop: async () => void (await Promise.all(running.map((r) => r.stop()))),
  };
}

/**
 * Processors' states for a readiness answer: one check per processor (`processor:<name>` →
 * state), and whether every one is running. A command service still answers commands while some
 * are 'starting' (Kafka down); the answer says which.
 */
export function readinessOf(statuses: readonly ProcessorStatus[]): {
  allRunning: boolean;
  checks: Record<string, string>;
} {
  const checks: Record<string, string> = {};
  for (const s of statuses)
    checks[`processor:${s.name}`] =
      s.lastError && s.state !== 'running' ? `${s.state} (${s.lastError.slice(0, 200)})` : s.state;
  return { allRunning: statuses.every((s) => s.state === 'running'), checks };
}
